import { z } from "zod";
import { pgUsername, postgresClusterId } from "./fields.js";
import { endedSessions } from "./losses.js";
import { dataListOutput, dataObjectOutput } from "./outputs.js";
import { answers, okOrBody } from "./results.js";
import { defineTools, type ToolArgs } from "./types.js";

const cluster = { postgres_cluster_id: postgresClusterId };
const user = { ...cluster, username: pgUsername };
const role = z.enum(["schema_admin", "writer", "reader"]);

export const postgresUserTools = defineTools([
  {
    name: "postgres_users_list",
    title: "List Postgres users",
    description: "List a cluster's users and their roles.",
    toolset: "postgres",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/postgres/{postgres_cluster_id}/users",
    shape: answers(dataListOutput),
    input: z.object(cluster),
  },
  {
    name: "postgres_users_create",
    title: "Create Postgres user",
    description: "Create a user with a role; read its password with postgres_users_credentials.",
    toolset: "postgres",
    access: "write",
    reach: "org",
    destructive: false,
    method: "POST",
    path: "/postgres/{postgres_cluster_id}/users",
    shape: answers(dataObjectOutput),
    input: z.object({ ...user, role: role.describe("Role to grant") }),
    body: ["username", "role"],
  },
  {
    name: "postgres_users_update_role",
    title: "Change Postgres user role",
    description: "Give a user another role.",
    toolset: "postgres",
    access: "write",
    reach: "org",
    destructive: false,
    idempotent: true,
    method: "PATCH",
    path: "/postgres/{postgres_cluster_id}/users/{username}",
    input: z.object({ ...user, role: role.describe("New role") }),
    body: ["role"],
    shape: okOrBody,
  },
  {
    name: "postgres_users_delete",
    title: "Delete Postgres user",
    description: "Delete a user from a cluster.",
    toolset: "postgres",
    access: "write",
    reach: "org",
    destructive: true,
    method: "DELETE",
    path: "/postgres/{postgres_cluster_id}/users/{username}",
    input: z.object(user),
    shape: okOrBody,
  },
  {
    name: "postgres_users_credentials",
    title: "Get Postgres user credentials",
    description: "Read a user's username and password.",
    toolset: "postgres",
    access: "admin",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/postgres/{postgres_cluster_id}/users/{username}/credentials",
    shape: answers(dataObjectOutput),
    input: z.object(user),
  },
  {
    name: "postgres_users_rotate_password",
    title: "Rotate Postgres user password",
    description: "Give a user a new password (returned); the old one stops working for new connections.",
    toolset: "postgres",
    access: "admin",
    reach: "org",
    destructive: (args: ToolArgs) => endedSessions(args).length > 0,
    losses: endedSessions,
    method: "POST",
    path: "/postgres/{postgres_cluster_id}/users/{username}/rotate_password",
    shape: answers(dataObjectOutput),
    input: z.object({
      ...user,
      kill_sessions: z.boolean().optional().describe("Also end the user's open sessions"),
    }),
    body: ["kill_sessions"],
  },
]);
