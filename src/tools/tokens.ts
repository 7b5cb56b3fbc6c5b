import { z } from "zod";
import { plainToken } from "./results.js";
import { defineTools } from "./types.js";

export const tokenTools = defineTools([
  {
    name: "tokens_request_oidc",
    title: "Request OIDC token",
    description:
      "Mint a short-lived OpenID Connect token (JWT) that a machine can present to a third party (AWS, GCP, Vault).",
    toolset: "core",
    access: "write",
    reach: "org",
    destructive: false,
    method: "POST",
    path: "/tokens/oidc",
    input: z.object({
      aud: z.string().min(1).max(512).optional().describe("Audience claim, e.g. sts.amazonaws.com"),
      aws_principal_tags: z.boolean().optional().describe("Add AWS session tags"),
    }),
    body: ["aud", "aws_principal_tags"],
    shape: plainToken,
  },
]);
