import { z } from "zod";
import { appName, secretName } from "./fields.js";
import { overwrittenBySet } from "./losses.js";
import { secretOutput, setSecretOutput } from "./outputs.js";
import { answers, withoutSecretValues } from "./results.js";
import { rememberSecretsVersion } from "./secrets-versions.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, secret_name: secretName };

export const secretExtraTools = defineTools([
  {
    name: "secrets_get",
    title: "Get secret",
    description: "Read one app secret's digest and dates; its value only with show_secrets.",
    toolset: "secrets",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/secrets/{secret_name}",
    shape: answers(secretOutput),
    input: z.object({
      ...target,
      show_secrets: z
        .boolean()
        .optional()
        .describe("Include the value; only when the policy allows revealing secrets"),
    }),
    query: ["show_secrets"],
  },
  {
    name: "secrets_set_one",
    title: "Set one secret",
    description:
      "Create or replace one app secret; the value is never echoed. Update machines to pick it up.",
    toolset: "secrets",
    access: "write",
    reach: "app",
    destructive: false,
    losses: overwrittenBySet,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/secrets/{secret_name}",
    input: z.object({ ...target, value: z.string().max(65536).describe("Secret value") }),
    body: ["value"],
    sensitive: ["value"],
    afterSuccess: rememberSecretsVersion,
    shape: answers(setSecretOutput, withoutSecretValues),
  },
]);
