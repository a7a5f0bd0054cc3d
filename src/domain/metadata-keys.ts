// Which label and annotation keys a caller may have KubeNova stamp on a tenant's namespaces (a
// tenant's `namespaceOptions`, which the tenancy engine stamps on every namespace of the tenant),
// and which no app may put on its objects (identity keys anywhere in an app's properties). Pure;
// the tenancy engine's own identity domains are given by its adapter (metadataKeyRules).
//
// - identity: keys that say whom a namespace belongs to or that the tenancy engine and KubeNova
//   keep for themselves: the engine's domains, `kubenova.io/` (and their subdomains),
//   `app.kubernetes.io/managed-by` and `kubernetes.io/metadata.name`. No one sets them, platform
//   admins included: a namespace labelled with tenant b's identity is let into tenant b's
//   network by b's NetworkPolicy.
// - platform: every other key under `kubernetes.io/`, `k8s.io/`, `openshift.io/` and their
//   subdomains: scheduling (`scheduler.alpha.kubernetes.io/node-selector`,
//   `.../defaultTolerations`, `openshift.io/node-selector`), pod security
//   (`pod-security.kubernetes.io/`), node roles. Platform admins may set them; a tenant-scoped
//   caller must leave them exactly as a platform admin set them (no additions, changes or
//   removals). Kubernetes' recommended labels, `app.kubernetes.io/` (but `managed-by`), are the
//   users' own and free.

export type ReservedClass = 'identity' | 'platform';

const KUBENOVA_DOMAINS = ['kubenova.io'];
const IDENTITY_KEYS = ['app.kubernetes.io/managed-by', 'kubernetes.io/metadata.name'];
const PLATFORM_DOMAINS = ['kubernetes.io', 'k8s.io', 'openshift.io'];
const USER_DOMAINS = ['app.kubernetes.io'];

const within = (domain: string, parents: readonly string[]) => parents.some((p) => domain === p || domain.endsWith(`.${p}`));

export interface ReservedKeyProblem {
  key: string;
  reason: string;
}

export interface MetadataKeyRules {
  /** The reserved class of a label or annotation key, or undefined when anyone may set it. */
  reservedClass(this: void, key: string): ReservedClass | undefined;
  /** The map without identity keys: what may reach a cluster whatever the stored intent says. */
  withoutIdentityKeys(this: void, map: Readonly<Record<string, string>> | undefined): Record<string, string>;
  /** Why an identity key is refused; names the key, never a value. */
  identityKeyReason(this: void, key: string): string;
  /** The reserved keys a write may not make (see below). */
  reservedKeyProblems(
    this: void,
    requested: Readonly<Record<string, string>> | undefined,
    opts: { platformAdmin: boolean; current?: Readonly<Record<string, string>> },
  ): ReservedKeyProblem[];
}

/** The rules with `engineDomains` (the tenancy engine's identity domains) reserved too. */
export function metadataKeyRules(engineDomains: readonly string[]): MetadataKeyRules {
  const identityDomains = [...engineDomains, ...KUBENOVA_DOMAINS];

  /** The reserved class of a label or annotation key, or undefined when anyone may set it. */
  function reservedClass(key: string): ReservedClass | undefined {
    const k = key.toLowerCase();
    const slash = k.indexOf('/');
    if (slash < 0) return undefined;
    const domain = k.slice(0, slash);
    if (IDENTITY_KEYS.includes(k) || within(domain, identityDomains)) return 'identity';
    if (within(domain, USER_DOMAINS)) return undefined;
    return within(domain, PLATFORM_DOMAINS) ? 'platform' : undefined;
  }

  /** The map without identity keys: what may reach a cluster whatever the stored intent says. */
  function withoutIdentityKeys(map: Readonly<Record<string, string>> | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => reservedClass(k) !== 'identity'));
  }

  /** Why an identity key is refused; names the key, never a value. */
  const identityKeyReason = (key: string): string => `"${key}" is reserved for KubeNova and Capsule (tenant identity); no one may set it`;

  /**
   * The reserved keys a write may not make: any identity key; and, for a caller who is not a
   * platform admin, any platform key added, changed or removed relative to `current` (the map as
   * stored). Reasons name the key, never its value.
   */
  function reservedKeyProblems(
    requested: Readonly<Record<string, string>> | undefined,
    opts: { platformAdmin: boolean; current?: Readonly<Record<string, string>> },
  ): ReservedKeyProblem[] {
    const want = requested ?? {};
    const had = opts.current ?? {};
    const problems: ReservedKeyProblem[] = [];
    for (const key of Object.keys(want)) {
      const cls = reservedClass(key);
      if (cls === 'identity') problems.push({ key, reason: identityKeyReason(key) });
      else if (cls === 'platform' && !opts.platformAdmin && had[key] !== want[key]) {
        problems.push({ key, reason: `"${key}" is reserved for Kubernetes settings (scheduling, pod security) that only platform admins set` });
      }
    }
    if (!opts.platformAdmin) {
      for (const key of Object.keys(had)) {
        if (!Object.hasOwn(want, key) && reservedClass(key) === 'platform') {
          problems.push({ key, reason: `"${key}" was set by a platform admin; only platform admins may remove it` });
        }
      }
    }
    return problems;
  }

  return { reservedClass, withoutIdentityKeys, identityKeyReason, reservedKeyProblems };
}
