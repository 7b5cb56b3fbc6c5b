import { z } from "zod";
import { appName, cursor, full, limit, orgSlug } from "./fields.js";
import { appList, okOrBody } from "./results.js";
import { defineTools } from "./types.js";

export const appTools = defineTools([
  {
    name: "apps_list",
    title: "List apps",
    description: "List the apps in an organization with their status and machine counts.",
    toolset: "core",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/apps",
    input: z.object({ org_slug: orgSlug, limit: limit(5000), cursor, full }),
    query: ["org_slug", "limit", "cursor"],
    shape: appList,
  },
  {
    name: "apps_get",
    title: "Get app",
    description: "Read one app: organization, status, network, machine and volume counts.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}",
    input: z.object({ app_name: appName }),
  },
  {
    name: "apps_create",
    title: "Create app",
    description: "Create an app (a named group of machines) in an organization. Names are global across Fly.",
    toolset: "core",
    access: "write",
    reach: "org",
    destructive: false,
    method: "POST",
    path: "/apps",
    appArg: "name",
    input: z.object({
      name: appName.describe("Name of the new app (globally unique)"),
      org_slug: orgSlug,
      network: z
        .string()
        .max(63)
        .optional()
        .describe("Custom private network name; omit for the org default"),
      enable_subdomains: z.boolean().optional().describe("Give machines <id>.vm.<app>.internal subdomains"),
    }),
    body: ["name", "org_slug", "network", "enable_subdomains"],
    shape: okOrBody,
  },
  {
    name: "apps_delete",
    title: "Delete app",
    description: "Delete an app with all its machines and volumes, permanently. Stop its machines first.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}",
    input: z.object({ app_name: appName }),
    shape: okOrBody,
  },
]);
