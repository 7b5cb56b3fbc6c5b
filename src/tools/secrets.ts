import { z } from "zod";
import { appName, secretName } from "./fields.js";
import { overwrittenByBulkSet } from "./losses.js";
import { secretsOutput, secretsUpdateOutput, versionOutput } from "./outputs.js";
import { answers, withoutSecretValues } from "./results.js";
import { rememberSecretsVersion } from "./secrets-versions.js";
import { defineTools } from "./types.js";

export const secretTools = defineTools([
  {
    name: "secrets_list",
    title: "List secrets",
    description:
      "List an app's secret names and digests (never values). Machines see new secrets after an update or restart.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/secrets",
    shape: answers(secretsOutput),
    input: z.object({
      app_name: appName,
      show_secrets: z
        .boolean()
        .optional()
        .describe("Include values; only when the policy allows revealing secrets"),
    }),
    query: ["show_secrets"],
  },
  {
    name: "secrets_set",
    title: "Set secrets",
    description:
      "Set app secrets in one new version; values are never echoed. Update machines to pick them up: later machine creates/updates ask Fly for this version, so none boots with old values.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    losses: overwrittenByBulkSet,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/secrets",
    input: z.object({
      app_name: appName,
      values: z
        .record(secretName, z.string().max(65536))
        .refine((v) => Object.keys(v).length > 0, "give at least one NAME: value")
        .describe("Secret names and their values"),
    }),
    body: ["values"],
    sensitive: ["values"],
    afterSuccess: rememberSecretsVersion,
    shape: answers(secretsUpdateOutput, withoutSecretValues),
  },
  {
    name: "secrets_delete",
    title: "Delete secret",
    description: "Remove one app secret; machines stop seeing it on their next update.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}/secrets/{secret_name}",
    shape: answers(versionOutput),
    input: z.object({ app_name: appName, secret_name: secretName }),
    afterSuccess: rememberSecretsVersion,
  },
]);
