import { z } from "zod";
import { plainToken } from "./results.js";
import { defineTools, type ToolOutcome } from "./types.js";

const notFromMachine = (): ToolOutcome => ({
  isError: true,
  text:
    "Fly refused to issue the OIDC token. It issues these only to calls made from inside one of its machines, " +
    "with that machine's identity; if this server runs elsewhere, that is the cause and retrying will not help. " +
    "Ask for the token on the machine itself (its local Fly API), e.g. through machines_exec.",
});

export const tokenTools = defineTools([
  {
    name: "tokens_request_oidc",
    title: "Request OIDC token",
    description:
      "Machine identity: a short-lived OIDC JWT Fly issues to calls made from inside a machine, for AWS/GCP/Vault. Called from elsewhere, Fly refuses it.",
    toolset: "core",
    access: "write",
    reach: "org",
    asServer: true,
    destructive: false,
    method: "POST",
    path: "/tokens/oidc",
    input: z.object({
      aud: z.string().min(1).max(512).optional().describe("Audience claim, e.g. sts.amazonaws.com"),
      aws_principal_tags: z.boolean().optional().describe("Add AWS session tags"),
    }),
    body: ["aud", "aws_principal_tags"],
    shape: plainToken,
    onStatus: { 400: notFromMachine, 403: notFromMachine },
  },
]);
