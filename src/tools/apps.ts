import { z } from "zod";
import { waitForApp } from "./app-ready.js";
import { appName, cursor, full, limit, orgSlug } from "./fields.js";
import { appOutput } from "./outputs.js";
import { answers, appList, okOrBody } from "./results.js";
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
    shape: answers(appOutput),
    input: z.object({ app_name: appName }),
  },
  {
    name: "apps_create",
    title: "Create app",
    description:
      "Create an app (a named group of machines) in an organization; names are global. Returns once Fly shows the app (up to a minute), so machines can be created in it at once.",
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
      wait: z
        .boolean()
        .optional()
        .describe("Ask Fly to finish creating the app before it answers (default true, as fly-go does)"),
    }),
    body: ["name", "org_slug", "network", "enable_subdomains"],
    // fly-go creates apps with ?wait=true; the spec does not declare it.
    query: ["wait"],
    prepare: async (args) => ({ ...args, wait: args.wait ?? true }),
    afterSuccess: async (_res, args, ctx) => {
      // A version remembered for an earlier app of the same name means nothing to this one.
      await ctx.secretsVersions?.forget(String(args.name));
      await waitForApp(String(args.name), ctx);
    },
    shape: okOrBody,
  },
  {
    name: "apps_delete",
    title: "Delete app",
    description:
      "Delete an app with all its machines and volumes, permanently. Stop its machines first, or pass force: true to stop and delete running ones with it.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}",
    input: z.object({
      app_name: appName,
      force: z.boolean().optional().describe("Also stop and delete machines that are still running"),
    }),
    query: ["force"],
    afterSuccess: async (_res, args, ctx) => ctx.secretsVersions?.forget(String(args.app_name)),
    shape: okOrBody,
    onStatus: {
      409: (args) => ({
        isError: true,
        text:
          `Fly refused to delete app ${String(args.app_name)}: it still has machines that are not stopped. ` +
          "Stop them (machines_stop) and call again, or call again with force: true to stop and delete them with the app.",
      }),
    },
  },
]);
