import { readBody, t } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import {
  isSystemUser,
  PG_ROLES,
  type PgCluster,
  type PgRole,
  type PgUser,
  password,
  pgGuard,
  requireAdmin,
  unprocessable,
} from "./postgres-state.js";
import type { Deps, SandboxContext, SandboxRouter } from "./router.js";

const USERNAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

const createSpec = t.object("createPostgresUserRequest", { role: t.string, username: t.string });
const roleSpec = t.object("updatePostgresUserRoleRequest", { role: t.string });
const rotateSpec = t.object("rotatePostgresPasswordRequest", { kill_sessions: t.bool });

function checkUsername(name: string): void {
  if (!USERNAME.test(name)) {
    throw badRequest(
      `Username is malformed: ${JSON.stringify(name)} (lowercase letters, digits, - and _, up to 63)`,
    );
  }
  if (isSystemUser(name)) throw badRequest(`Username is reserved: ${name} is a system user`);
}

const isRole = (role: string | undefined): role is PgRole =>
  (PG_ROLES as readonly string[]).includes(role ?? "");

export function registerPostgresUsers(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/postgres/:postgres_cluster_id/users";
  const user = (c: SandboxContext): { cluster: PgCluster; user: PgUser } => {
    const cluster = requireAdmin(deps, c);
    const name = c.req.param("username") ?? "";
    checkUsername(name);
    const found = cluster.users.get(name);
    if (!found) throw notFound("User not found");
    return { cluster, user: found };
  };

  router.get(base, pgGuard(deps, "postgres_users_list"), (c) => {
    const cluster = requireAdmin(deps, c);
    const users = [...cluster.users.values()].sort((a, b) => a.username.localeCompare(b.username));
    return c.json({ data: users.map((u) => ({ username: u.username, role: u.role })) });
  });

  router.post(base, pgGuard(deps, "postgres_users_create"), async (c) => {
    const cluster = requireAdmin(deps, c);
    const body = await readBody<{ username?: string; role?: string }>(c, createSpec);
    if (!body.username || !isRole(body.role)) {
      throw unprocessable(`username and role are required; role is one of ${PG_ROLES.join(", ")}`);
    }
    checkUsername(body.username);
    if (cluster.users.has(body.username)) throw conflict("User already exists");
    cluster.users.set(body.username, { username: body.username, role: body.role, password: password() });
    return c.json({ data: { username: body.username, role: body.role } }, 201);
  });

  router.patch(`${base}/:username`, pgGuard(deps, "postgres_users_update_role"), async (c) => {
    const found = user(c).user;
    const body = await readBody<{ role?: string }>(c, roleSpec);
    if (!isRole(body.role)) throw unprocessable(`role is required: one of ${PG_ROLES.join(", ")}`);
    found.role = body.role;
    return c.body(null, 204);
  });

  router.delete(`${base}/:username`, pgGuard(deps, "postgres_users_delete"), (c) => {
    const { cluster, user: found } = user(c);
    cluster.users.delete(found.username);
    return c.body(null, 204);
  });

  // Reveals a password: scoped like a write, so read-only tokens cannot read it.
  router.get(
    `${base}/:username/credentials`,
    pgGuard(deps, "postgres_users_credentials", { writeScope: true }),
    (c) => {
      const found = user(c).user;
      return c.json({ data: { username: found.username, password: found.password } });
    },
  );

  router.post(
    `${base}/:username/rotate_password`,
    pgGuard(deps, "postgres_users_rotate_password"),
    async (c) => {
      const found = user(c).user;
      // kill_sessions is only checked: sessions are not modelled, so ending them always succeeds.
      try {
        await readBody<{ kill_sessions?: boolean }>(c, rotateSpec, true);
      } catch (error) {
        if (error instanceof ApiError && error.status === 400)
          throw unprocessable("kill_sessions must be true or false");
        throw error;
      }
      found.password = password();
      return c.json({ data: { username: found.username, password: found.password } });
    },
  );
}
