import { z } from "zod";
import { annotationsOf } from "./present.js";
import type { ToolArgs, ToolDef } from "./types.js";

/** An approval id as the approvals module makes them: `apr_` and 32 random bytes in base64url. */
export const APPROVAL_ID = /^apr_[A-Za-z0-9_-]{43}$/;

/**
 * Input fields the server reads itself and never sends to Fly, each added to the tools it applies
 * to by rule, not per tool. They are split off before the gate, the audit and the request.
 */
const LOCAL_FIELDS = {
  approval_id: {
    appliesTo: (tool: ToolDef) => annotationsOf(tool).destructiveHint === true,
    schema: z
      .string()
      .regex(APPROVAL_ID, { error: "must be the id from the waiting-for-approval answer, e.g. apr_..." })
      .optional()
      .describe(
        "Only after a human approved this call: the approval id from the earlier answer. Same arguments as before.",
      ),
  },
} as const;

export type LocalFields = { approval_id?: string };

/** The tool's input with the local fields that apply to it. */
export function withLocalFields(tool: ToolDef, input: z.ZodObject): z.ZodObject {
  const extra: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(LOCAL_FIELDS))
    if (field.appliesTo(tool)) extra[name] = field.schema;
  return Object.keys(extra).length ? input.extend(extra) : input;
}

/** Separates validated arguments into what the tool sends and what the server keeps. */
export function splitLocalFields(args: ToolArgs): { args: ToolArgs; local: LocalFields } {
  const { approval_id, ...rest } = args;
  return { args: rest, local: typeof approval_id === "string" ? { approval_id } : {} };
}
