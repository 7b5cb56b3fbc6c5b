import { z } from "zod";
import { CONFIRM_FIELD, confirmInput, mayNeedConfirmation } from "./confirm-field.js";
import type { ToolArgs, ToolDef } from "./types.js";

/** An approval id as the approvals module makes them: `apr_` and 32 random bytes in base64url. */
export const APPROVAL_ID = /^apr_[A-Za-z0-9_-]{43}$/;

/**
 * Input fields the server reads itself and never sends to Fly, each added by rule to the tools a
 * confirmation can apply to (the gate asks only there). They are split off before the gate, the
 * audit and the request.
 */
const LOCAL_FIELDS = {
  [CONFIRM_FIELD]: confirmInput,
  approval_id: z
    .string()
    .regex(APPROVAL_ID, { error: "must be the id from the waiting-for-approval answer, e.g. apr_..." })
    .optional()
    .describe(
      "Only after a human approved this call: the approval id from the earlier answer. Same arguments as before.",
    ),
} as const;

export type LocalFields = { approval_id?: string; confirm?: unknown };

/** The tool's input with the local fields that apply to it. */
export function withLocalFields(tool: ToolDef, input: z.ZodObject): z.ZodObject {
  return mayNeedConfirmation(tool) ? input.extend(LOCAL_FIELDS) : input;
}

/** Separates validated arguments into what the tool sends and what the server keeps. */
export function splitLocalFields(args: ToolArgs): { args: ToolArgs; local: LocalFields } {
  const { approval_id, [CONFIRM_FIELD]: confirm, ...rest } = args;
  const local: LocalFields = {};
  if (typeof approval_id === "string") local.approval_id = approval_id;
  if (confirm !== undefined) local.confirm = confirm;
  return { args: rest, local };
}
