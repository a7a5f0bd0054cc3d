// Schema migrations: versioned SQL applied in order, in one transaction, recorded in
// schema_migrations. An advisory lock makes replicas starting together apply them once.
import type { Sql } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Identifier columns use the "C" collation: ordering (and so pagination) is bytewise and the
// same on every server, whatever locale its cluster was initialised with.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'objects',
    sql: `
      CREATE SEQUENCE resource_version_seq;
      CREATE TABLE objects (
        kind               text COLLATE "C" NOT NULL,
        name               text COLLATE "C" NOT NULL,
        tenant             text COLLATE "C",
        labels             jsonb NOT NULL CHECK (jsonb_typeof(labels) = 'object'),
        spec               jsonb NOT NULL,
        status             jsonb NOT NULL,
        generation         integer NOT NULL,
        resource_version   bigint NOT NULL,
        finalizers         jsonb NOT NULL CHECK (jsonb_typeof(finalizers) = 'array'),
        deletion_timestamp timestamptz,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        PRIMARY KEY (kind, name)
      );
      CREATE INDEX objects_tenant ON objects (kind, tenant, name);
      CREATE INDEX objects_labels ON objects USING gin (labels);
    `,
  },
  {
    version: 2,
    name: 'secrets',
    sql: `
      CREATE TABLE secrets (
        kind        text COLLATE "C" NOT NULL,
        name        text COLLATE "C" NOT NULL,
        field       text COLLATE "C" NOT NULL,
        key_id      text NOT NULL,
        wrapped_key bytea NOT NULL,
        iv          bytea NOT NULL,
        tag         bytea NOT NULL,
        ciphertext  bytea NOT NULL,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (kind, name, field),
        FOREIGN KEY (kind, name) REFERENCES objects (kind, name) ON DELETE CASCADE
      );
      CREATE INDEX secrets_key_id ON secrets (key_id);
    `,
  },
  {
    version: 3,
    name: 'events and audit',
    // Both append-only and ordered by id (keyset pagination, SSE resume). The audit log refuses
    // UPDATE and DELETE in the database itself, whoever connects.
    sql: `
      CREATE TABLE events (
        id             bigserial PRIMARY KEY,
        time           timestamptz NOT NULL DEFAULT now(),
        type           text NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason         text NOT NULL,
        message        text NOT NULL,
        kind           text COLLATE "C" NOT NULL,
        name           text COLLATE "C" NOT NULL,
        tenant         text COLLATE "C",
        cluster        text COLLATE "C",
        correlation_id text COLLATE "C"
      );
      CREATE INDEX events_object ON events (kind, name, id);
      CREATE INDEX events_tenant ON events (tenant, id);
      CREATE INDEX events_correlation ON events (correlation_id, id);
      CREATE TABLE audit (
        id         bigserial PRIMARY KEY,
        time       timestamptz NOT NULL DEFAULT now(),
        actor      text COLLATE "C" NOT NULL,
        roles      jsonb NOT NULL CHECK (jsonb_typeof(roles) = 'array'),
        action     text NOT NULL,
        kind       text COLLATE "C",
        name       text COLLATE "C",
        tenant     text COLLATE "C",
        outcome    text NOT NULL CHECK (outcome IN ('initiated', 'succeeded', 'failed')),
        status     integer NOT NULL,
        reason     text,
        request_id text COLLATE "C" NOT NULL,
        client_ip  text
      );
      CREATE INDEX audit_actor ON audit (actor, id);
      CREATE INDEX audit_object ON audit (kind, name, id);
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
      CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
    `,
  },
  {
    // An object's own revision history (apps: the source for rollback, independent of what
    // KubeVela keeps). Written in the transaction of the object write; removed with the object.
    version: 4,
    name: 'revisions',
    sql: `
      CREATE TABLE revisions (
        kind            text COLLATE "C" NOT NULL,
        name            text COLLATE "C" NOT NULL,
        number          integer NOT NULL CHECK (number > 0),
        spec            jsonb NOT NULL,
        change          jsonb NOT NULL CHECK (jsonb_typeof(change) = 'object'),
        actor           text NOT NULL,
        role            text,
        reason          text,
        request_id      text,
        outcome         text NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'failed', 'superseded')),
        outcome_message text,
        outcome_at      timestamptz,
        created_at      timestamptz NOT NULL,
        PRIMARY KEY (kind, name, number),
        FOREIGN KEY (kind, name) REFERENCES objects (kind, name) ON DELETE CASCADE
      );
    `,
  },
  {
    // Replicas on one PostgreSQL divide the reconcile work by shard (src/orchestrator/shards.ts):
    // each shard has one lease; its token grows with every change of holder (the fencing token
    // writes of a reconcile are checked against). A replica is alive while its heartbeat is
    // fresh and its session holds its advisory lock `lock_id` (gone at once when it dies).
    version: 5,
    name: 'leases',
    sql: `
      CREATE SEQUENCE replica_lock_seq;
      CREATE TABLE replicas (
        id           text COLLATE "C" PRIMARY KEY,
        lock_id      integer NOT NULL UNIQUE,
        started_at   timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL
      );
      CREATE SEQUENCE lease_token_seq;
      CREATE TABLE shard_leases (
        shard       integer PRIMARY KEY,
        holder      text COLLATE "C",
        token       bigint NOT NULL DEFAULT 0,
        expires_at  timestamptz NOT NULL DEFAULT '-infinity',
        acquired_at timestamptz
      );
    `,
  },
  {
    // The X-Request-Id a client sent, kept beside KubeNova's own request id (the correlation
    // id, which a client no longer chooses): in the audit log, and in the events of its write.
    version: 6,
    name: 'client request ids',
    sql: `
      ALTER TABLE audit ADD COLUMN client_request_id text;
      ALTER TABLE events ADD COLUMN client_request_id text;
    `,
  },
  {
    // Who made the API request whose write an event reports (a person: oidc:<issuer>:<sub>).
    version: 7,
    name: 'event actors',
    sql: `ALTER TABLE events ADD COLUMN actor text;`,
  },
  {
    // Tenant quota usage as the clusters last reported it (one row per tenant, cluster and
    // source), and samples of it over time for trends (pruned after the configured retention).
    version: 8,
    name: 'tenant usage',
    sql: `
      CREATE TABLE usage_current (
        tenant     text COLLATE "C" NOT NULL,
        cluster    text COLLATE "C" NOT NULL,
        source     text COLLATE "C" NOT NULL,
        usage      jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, cluster, source)
      );
      CREATE TABLE usage_samples (
        at       timestamptz NOT NULL,
        tenant   text COLLATE "C" NOT NULL,
        cluster  text COLLATE "C" NOT NULL,
        resource text COLLATE "C" NOT NULL,
        hard     double precision NOT NULL,
        used     double precision NOT NULL
      );
      CREATE INDEX usage_samples_tenant ON usage_samples (tenant, at);
      CREATE INDEX usage_samples_at ON usage_samples (at);
    `,
  },
  {
    // ANALYZE keeps statistics only on the columns a query selects, joins or sorts by. The
    // others (documents, messages, timestamps no query compares) cost most of its time: on the
    // embedded store it holds PGlite's one thread, so every request waits behind it (ANALYZE of
    // 12,000 objects 150 ms, 47 ms without them). A query added later that selects by one of
    // these columns gets the planner's default estimate until its statistics are turned back on.
    version: 9,
    name: 'planner statistics',
    sql: `
      ALTER TABLE objects
        ALTER COLUMN spec SET STATISTICS 0, ALTER COLUMN status SET STATISTICS 0,
        ALTER COLUMN generation SET STATISTICS 0, ALTER COLUMN resource_version SET STATISTICS 0,
        ALTER COLUMN finalizers SET STATISTICS 0, ALTER COLUMN deletion_timestamp SET STATISTICS 0,
        ALTER COLUMN created_at SET STATISTICS 0, ALTER COLUMN updated_at SET STATISTICS 0;
      ALTER TABLE events
        ALTER COLUMN reason SET STATISTICS 0, ALTER COLUMN message SET STATISTICS 0,
        ALTER COLUMN cluster SET STATISTICS 0, ALTER COLUMN actor SET STATISTICS 0;
      ALTER TABLE audit
        ALTER COLUMN roles SET STATISTICS 0, ALTER COLUMN action SET STATISTICS 0,
        ALTER COLUMN status SET STATISTICS 0, ALTER COLUMN reason SET STATISTICS 0,
        ALTER COLUMN request_id SET STATISTICS 0, ALTER COLUMN client_ip SET STATISTICS 0,
        ALTER COLUMN client_request_id SET STATISTICS 0;
      ALTER TABLE revisions
        ALTER COLUMN spec SET STATISTICS 0, ALTER COLUMN change SET STATISTICS 0,
        ALTER COLUMN actor SET STATISTICS 0, ALTER COLUMN role SET STATISTICS 0,
        ALTER COLUMN reason SET STATISTICS 0, ALTER COLUMN request_id SET STATISTICS 0,
        ALTER COLUMN outcome_message SET STATISTICS 0, ALTER COLUMN outcome_at SET STATISTICS 0,
        ALTER COLUMN created_at SET STATISTICS 0;
    `,
  },
];

// Arbitrary constants naming KubeNova's migration lock among other advisory-lock users.
const LOCK_CLASS = 0x4b4e; // "KN"
const LOCK_MIGRATIONS = 1;

/** Applies the pending migrations; returns the versions applied now (empty when up to date). */
export async function migrate(db: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  return db.transaction(async (tx) => {
    // Held until commit: a second replica waits here, then finds everything applied.
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const known = migrations.at(-1)?.version ?? 0;
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(`database schema is at version ${newest}, newer than this KubeNova (${known}); upgrade KubeNova`);
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    return pending.map((m) => m.version);
  });
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const prev = migrations[i - 1];
    if (!Number.isInteger(m.version) || m.version < 1 || (prev && m.version <= prev.version)) {
      throw new Error(`migration versions must be increasing positive integers (at "${m.name}")`);
    }
  });
}
