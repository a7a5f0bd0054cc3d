// The command tree: commander wiring only; every command's work lives in commands/*.ts.
// `run()` is what `main.ts` calls and what the tests call in-process.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as access from './commands/access.js';
import * as admin from './commands/admin.js';
import * as apps from './commands/apps.js';
import * as clusters from './commands/clusters.js';
import * as auth from './commands/auth.js';
import * as resources from './commands/resources.js';
import * as usage from './commands/usage.js';
import { CliContext, type CliIo } from './context.js';
import { describeError, EXIT } from './errors.js';
import { KIND_DESCRIPTORS } from './kinds.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const outputOption = () => new Option('-o, --output <format>', 'output format: json, yaml or name (default: table)');
const quietOutputOption = () => new Option('-o, --output <format>', 'print the resulting object as json or yaml, or its name');

function cliVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kubenova' && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

const KINDS_HELP = KIND_DESCRIPTORS.map((d) => `  ${d.plural.padEnd(18)} ${[d.singular, ...d.aliases].join(', ')}`).join('\n');

const ROOT_HELP = `
Resource kinds (any spelling on the right works too):
${KINDS_HELP}

Environment:
  KUBENOVA_CONFIG    config file (default ~/.kubenova/config.json)
  KUBENOVA_SERVER    server URL, overrides the config file
  KUBENOVA_TOKEN     bearer token (JWT), overrides the config file

Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 not authenticated or forbidden.`;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('kubenova')
    .description('Command-line client for the KubeNova control plane')
    .version(cliVersion(), '--version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .showHelpAfterError('(run with --help for usage)')
    .allowExcessArguments(false)
    .addHelpText('after', ROOT_HELP);

  program
    .command('login')
    .description('store the server URL and a token in the config file (mode 0600), or sign in through an OIDC issuer')
    .option('--server <url>', 'KubeNova server URL')
    .option('--token <jwt>', 'bearer token')
    .option('--token-stdin', 'read the token from stdin')
    .option('--oidc <issuer>', 'sign in through this OIDC issuer (code + PKCE, loopback redirect); keeps the refresh token')
    .option('--client-id <id>', 'the OIDC client id KubeNova is registered with at the issuer (default: kubenova)')
    .option('--scopes <scopes>', 'space-separated scopes (default: "openid profile email offline_access"; add groups for Dex/Okta)')
    .option('--device', 'with --oidc: the device authorization grant instead of a browser redirect')
    .action((opts: auth.LoginOptions) => auth.login(ctx, opts));

  program
    .command('logout')
    .description('remove the token from the config file')
    .action(() => auth.logout(ctx));

  program
    .command('whoami')
    .description("show the token's subject, roles, tenants and expiry (decoded locally)")
    .addOption(outputOption())
    .action((opts: { output?: string }) => auth.whoami(ctx, opts));

  program
    .command('get')
    .description('list objects of a kind, or show one')
    .argument('<kind>', 'resource kind, e.g. tenants, tn, apps')
    .argument('[name]', 'object name')
    .option('-l, --selector <selector>', 'label selector, e.g. env=prod,tier!=db')
    .option('--limit <n>', 'return at most n objects (one page; no auto-follow)', positiveInt)
    .option('--chunk-size <n>', "page size while following all pages (default: the server's)", positiveInt)
    .option('--cursor <cursor>', 'continue a list from a previous page')
    .option('--tenant <tenant>', "only this tenant's objects (projects, apps, kubeconfiggrants)")
    .option('--project <project>', "only this project's objects (apps, kubeconfiggrants)")
    .addOption(outputOption())
    .action((kind: string, name: string | undefined, opts: resources.GetOptions) => resources.get(ctx, kind, name, opts));

  program
    .command('create')
    .description('create objects from a file, or one object from flags')
    .argument('[kind]', 'resource kind (optional with -f when the file has "kind")')
    .argument('[name]', 'object name (without -f); projects, apps and grants start with "<tenant>-"')
    .option('-f, --filename <file>', 'YAML or JSON file, "-" for stdin')
    .option('--tenant <tenant>', 'tenant to create a project in')
    .option('--label <key=value>', 'label (repeatable)', collect)
    .option('--kubeconfig-file <path>', "cluster: the cluster's kubeconfig (sent base64-encoded)")
    .addOption(quietOutputOption())
    .action((kind: string | undefined, name: string | undefined, opts: resources.CreateOptions & { filename?: string }) =>
      resources.create(ctx, kind, name, { ...opts, file: opts.filename }),
    );

  program
    .command('apply')
    .description('create objects, or update them if they already exist')
    .argument('[kind]', 'resource kind (optional when the file has "kind")')
    .requiredOption('-f, --filename <file>', 'YAML or JSON file, "-" for stdin')
    .option('--tenant <tenant>', 'tenant to create projects in')
    .addOption(quietOutputOption())
    .action((kind: string | undefined, opts: { filename: string; tenant?: string; output?: string }) =>
      resources.apply(ctx, kind, { file: opts.filename, tenant: opts.tenant, output: opts.output }),
    );

  program
    .command('update')
    .description("replace an object's labels and spec (If-Match: its current resourceVersion)")
    .argument('<kind>', 'resource kind')
    .argument('<name>', 'object name')
    .requiredOption('-f, --filename <file>', 'YAML or JSON file, "-" for stdin')
    .option('--resource-version <rv>', 'expected resourceVersion (default: read it first)')
    .addOption(quietOutputOption())
    .action((kind: string, name: string, opts: { filename: string; resourceVersion?: string; output?: string }) =>
      resources.update(ctx, kind, name, { file: opts.filename, resourceVersion: opts.resourceVersion, output: opts.output }),
    );

  program
    .command('delete')
    .description('delete objects')
    .argument('<kind>', 'resource kind')
    .argument('<names...>', 'object names')
    .addOption(quietOutputOption())
    .action((kind: string, names: string[], opts: { output?: string }) => resources.remove(ctx, kind, names, opts));

  program
    .command('rollout')
    .description("show an app's rollout status and revisions")
    .argument('<app>', 'app name')
    .addOption(outputOption())
    .action((name: string, opts: { output?: string }) => apps.rollout(ctx, name, opts));

  program
    .command('rollback')
    .description('roll an app back to a previous revision')
    .argument('<app>', 'app name')
    .option('--revision <number>', 'revision number to roll back to, as listed by GET /apps/{name}/revisions (default: the newest earlier one that succeeded)')
    .option('--reason <text>', 'why, recorded with the rollback')
    .addOption(quietOutputOption())
    .action((name: string, opts: apps.RollbackOptions) => apps.rollback(ctx, name, opts));

  program
    .command('issue-kubeconfig')
    .description('issue a short-lived kubeconfig (via capsule-proxy) and write it to a file (mode 0600)')
    .argument('<scope>', 'tenant or project')
    .argument('<name>', 'tenant or project name')
    .requiredOption('--cluster <cluster>', 'cluster to access')
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 12h, 7d (server default: 1h)')
    .addOption(new Option('--role <role>', 'access level (server default: view)').choices([...access.GRANT_ROLES]).conflicts('verb'))
    .option('--verb <verb>', 'a Kubernetes verb instead of a role (repeatable)', collect)
    .option('--namespace <project>', "limit to one of the tenant's projects (repeatable)", collect)
    .option('--subject <user>', 'who the kubeconfig is for (default: you)')
    .option('-o, --output-file <file>', 'where to write the kubeconfig (default ./<name>-<cluster>.kubeconfig)')
    .action((scope: string, name: string, opts: access.IssueKubeconfigOptions) => access.issueKubeconfig(ctx, scope, name, opts));

  program
    .command('clusters')
    .description('cluster operations (platform admins)')
    .command('bootstrap')
    .description('install or upgrade Capsule, capsule-proxy and KubeVela core in a registered cluster with Helm')
    .argument('<name>', 'cluster name')
    .requiredOption('--kubeconfig <file>', 'an admin kubeconfig for the cluster (sent for this call only, never stored)')
    .option('--dry-run', 'show what would be installed where; change nothing')
    .option('--chart-source <source>', 'repository (default), oci://<registry>/<path>, or a directory on the server')
    .option('--component <name>', 'only this component: capsule, capsule-proxy, vela-core (repeatable)', collect)
    .option('--timeout <seconds>', "bound of each component's rollout wait (server default: 300)")
    .addOption(quietOutputOption())
    .action((name: string, opts: clusters.BootstrapOptions) => clusters.bootstrap(ctx, name, opts));

  const keys = program.command('keys').description('envelope-encryption keys (platform admins)');
  keys
    .command('rotate')
    .description('activate a new key and re-wrap every stored secret under it')
    .addOption(quietOutputOption())
    .action((opts: { output?: string }) => admin.rotateKeys(ctx, opts));

  program
    .command('usage')
    .description('quota usage (hard, used, fraction) per cluster and in total')
    .command('tenant <name>')
    .description("a tenant's quotas on each of its clusters, with bars")
    .addOption(new Option('-o, --output <format>', 'output format: json or yaml (default: table)'))
    .action((name: string, opts: { output?: string }) => usage.tenantUsage(ctx, name, opts));

  return program;
}

/** Runs one CLI invocation; returns the exit code instead of exiting. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help) through configureOutput.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { text, exitCode } = describeError(err);
    if (text) io.err(text + '\n');
    return exitCode;
  }
}
