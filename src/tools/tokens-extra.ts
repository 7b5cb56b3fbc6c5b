import { z } from "zod";
import { appName, duration } from "./fields.js";
import { authorizeOutput, currentTokenOutput, tokenOutput } from "./outputs.js";
import { answers, itemList, plainToken } from "./results.js";
import { defineTools } from "./types.js";

const header = z.string().min(1).max(16384).describe('Token header to check, e.g. "FlyV1 fm2_..."');

export const tokenExtraTools = defineTools([
  {
    name: "tokens_current",
    title: "Show current token",
    description: "Show what the server's Fly token is: organization, apps, user, machine restrictions.",
    toolset: "tokens",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/tokens/current",
    shape: answers(currentTokenOutput),
    input: z.object({}),
  },
  {
    name: "tokens_create_deploy",
    title: "Create deploy token",
    description: "Mint a deploy token that can manage one app; the result is a live credential.",
    toolset: "tokens",
    access: "admin",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/deploy_token",
    shape: answers(tokenOutput),
    input: z.object({
      app_name: appName,
      expiry: duration.optional().describe('Lifetime, e.g. "720h"'),
    }),
    body: ["expiry"],
  },
  {
    name: "tokens_request_kms",
    title: "Request KMS token",
    description: "Mint a Petsem token for Fly's KMS (secret keys), as a machine would.",
    toolset: "tokens",
    access: "admin",
    reach: "org",
    asServer: true,
    destructive: false,
    method: "POST",
    path: "/tokens/kms",
    input: z.object({}),
    shape: plainToken,
  },
  {
    name: "tokens_authenticate",
    title: "Authenticate token",
    description: "Verify a Fly token header and show its caveats, without checking any access.",
    toolset: "tokens",
    access: "read",
    reach: "org",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/tokens/authenticate",
    input: z.object({ header }),
    body: ["header"],
    sensitive: ["header"],
    shape: itemList,
  },
  {
    name: "tokens_authorize",
    title: "Authorize token",
    description: "Check whether a Fly token header grants an access, e.g. {app_name, action: 1}.",
    toolset: "tokens",
    access: "read",
    reach: "org",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/tokens/authorize",
    shape: answers(authorizeOutput),
    input: z.object({
      header,
      access: z
        .object({
          org_slug: z.string().max(63).optional(),
          app_name: z.string().max(63).optional(),
          machine_id: z.string().max(64).optional(),
          volume_id: z.string().max(64).optional(),
          action: z.number().int().min(0).max(31).optional(),
        })
        .describe("Resource and action bits: 1 read, 2 write, 4 create, 8 delete, 16 control"),
    }),
    body: ["header", "access"],
    sensitive: ["header"],
  },
]);
