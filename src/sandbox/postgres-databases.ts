import { queryBool, readBody, t } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import {
  newDatabase,
  type PgCluster,
  type PgDatabase,
  pgGuard,
  requireAdmin,
  requireDatabase,
  SYSTEM_DATABASES,
  SYSTEM_EXTENSIONS,
  unprocessable,
} from "./postgres-state.js";
import type { Deps, SandboxContext, SandboxRouter } from "./router.js";

const DB_NAME = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

interface Extension {
  version: string;
  description: string;
  /** Needs a cluster created with postgis_enabled. */
  postgis?: boolean;
  /** Must be installed first. */
  requires?: string;
}

/** What the clusters offer: the system two plus the common contrib and third-party extensions. */
const CATALOGUE: Record<string, Extension> = {
  plpgsql: { version: "1.0", description: "PL/pgSQL procedural language" },
  pg_stat_statements: {
    version: "1.11",
    description: "track planning and execution statistics of all SQL statements executed",
  },
  btree_gin: { version: "1.3", description: "support for indexing common datatypes in GIN" },
  btree_gist: { version: "1.7", description: "support for indexing common datatypes in GiST" },
  citext: { version: "1.6", description: "data type for case-insensitive character strings" },
  fuzzystrmatch: { version: "1.2", description: "determine similarities and distance between strings" },
  hstore: { version: "1.8", description: "data type for storing sets of (key, value) pairs" },
  ltree: { version: "1.3", description: "data type for hierarchical tree-like structures" },
  pg_trgm: {
    version: "1.6",
    description: "text similarity measurement and index searching based on trigrams",
  },
  pgcrypto: { version: "1.3", description: "cryptographic functions" },
  unaccent: { version: "1.1", description: "text search dictionary that removes accents" },
  "uuid-ossp": { version: "1.1", description: "generate universally unique identifiers (UUIDs)" },
  vector: { version: "0.8.0", description: "vector data type and ivfflat and hnsw access methods" },
  postgis: {
    version: "3.5.2",
    description: "PostGIS geometry and geography spatial types and functions",
    postgis: true,
  },
  postgis_topology: {
    version: "3.5.2",
    description: "PostGIS topology spatial types and functions",
    postgis: true,
    requires: "postgis",
  },
};

const createDbSpec = t.object("createPostgresDatabaseRequest", { name: t.string });
const enableSpec = t.object("enablePostgresExtensionRequest", {
  create_schema: t.bool,
  name: t.string,
  schema: t.string,
});

function checkDbName(name: string): void {
  if (!DB_NAME.test(name)) {
    throw badRequest(
      `Database name is malformed: ${JSON.stringify(name)} (letters, digits, - and _, up to 63, starting and ending with a letter or digit)`,
    );
  }
  if (SYSTEM_DATABASES.has(name)) throw badRequest(`Database name is reserved: ${name} is a system database`);
}

function extensionView(db: PgDatabase, name: string, ext: Extension): Record<string, unknown> {
  return {
    name,
    default_version: ext.version,
    description: ext.description,
    system: name in SYSTEM_EXTENSIONS,
    installed: db.extensions.get(name) ?? null,
  };
}

export function registerPostgresDatabases(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/postgres/:postgres_cluster_id/databases";
  const database = (c: SandboxContext): { cluster: PgCluster; db: PgDatabase } => {
    const cluster = requireAdmin(deps, c);
    const name = c.req.param("database_name") ?? "";
    if (!DB_NAME.test(name)) throw badRequest(`Database name is malformed: ${JSON.stringify(name)}`);
    return { cluster, db: requireDatabase(cluster, name) };
  };

  router.get(base, pgGuard(deps, "postgres_databases_list"), (c) => {
    const cluster = requireAdmin(deps, c);
    const names = [...cluster.databases.keys()].sort();
    return c.json({ data: names.map((name) => ({ name })) });
  });

  router.post(base, pgGuard(deps, "postgres_databases_create"), async (c) => {
    const cluster = requireAdmin(deps, c);
    const body = await readBody<{ name?: string }>(c, createDbSpec);
    if (!body.name) throw unprocessable("name is required");
    checkDbName(body.name);
    if (cluster.databases.has(body.name)) throw conflict(`Database ${body.name} already exists`);
    cluster.databases.set(body.name, newDatabase(body.name));
    return c.json({ data: { name: body.name } }, 201);
  });

  router.delete(`${base}/:database_name`, pgGuard(deps, "postgres_databases_delete"), (c) => {
    const { cluster, db } = database(c);
    cluster.databases.delete(db.name);
    return c.json({ data: { name: db.name } });
  });

  router.get(`${base}/:database_name/extensions`, pgGuard(deps, "postgres_extensions_list"), (c) => {
    const { cluster, db } = database(c);
    const offered = Object.entries(CATALOGUE).filter(([, ext]) => !ext.postgis || cluster.postgisEnabled);
    return c.json({ data: offered.map(([name, ext]) => extensionView(db, name, ext)) });
  });

  router.post(`${base}/:database_name/extensions`, pgGuard(deps, "postgres_extensions_enable"), async (c) => {
    const { cluster, db } = database(c);
    const body = await readBody<{ name?: string; schema?: string; create_schema?: boolean }>(c, enableSpec);
    if (!body.name) throw unprocessable("name is required");
    const ext = CATALOGUE[body.name];
    if (!ext) throw unprocessable(`Unknown or unsupported extension: ${body.name}`);
    if (ext.postgis && !cluster.postgisEnabled) throw conflict("PostGIS is not enabled on this cluster");
    const installed = db.extensions.get(body.name);
    if (installed)
      throw conflict(`Extension ${body.name} is already installed in schema ${installed.schema}`);
    if (ext.requires && !db.extensions.has(ext.requires)) {
      throw unprocessable(`extension ${body.name} requires ${ext.requires}: enable ${ext.requires} first`);
    }
    const schema = body.schema || "public";
    if (!SCHEMA.test(schema)) throw unprocessable(`invalid schema name ${JSON.stringify(schema)}`);
    if (!db.schemas.has(schema)) {
      if (!body.create_schema)
        throw unprocessable(`schema "${schema}" does not exist: pass create_schema to create it`);
      db.schemas.add(schema);
    }
    db.extensions.set(body.name, { schema, version: ext.version });
    return c.body(null, 204);
  });

  router.delete(
    `${base}/:database_name/extensions/:extension_name`,
    pgGuard(deps, "postgres_extensions_disable"),
    (c) => {
      const { db } = database(c);
      const name = c.req.param("extension_name");
      if (!EXT_NAME.test(name)) throw unprocessable(`Invalid extension name: ${JSON.stringify(name)}`);
      if (name in SYSTEM_EXTENSIONS) throw badRequest(`System extensions cannot be disabled: ${name}`);
      if (!db.extensions.has(name)) throw notFound(`Extension ${name} is not installed in ${db.name}`);
      const dependents = [...db.extensions.keys()].filter((other) => CATALOGUE[other]?.requires === name);
      if (dependents.length && !queryBool(c, "force")) {
        throw new ApiError(
          400,
          `cannot drop extension ${name} because other objects depend on it (${dependents.join(", ")}): pass force=true`,
        );
      }
      for (const other of [name, ...dependents]) db.extensions.delete(other);
      return c.body(null, 204);
    },
  );
}
