import { z } from "zod";
import type { ToolDef } from "./types.js";

/** Local input field (never sent to Fly) through which a client without elicitation confirms. */
export const CONFIRM_FIELD = "confirm";

/** Whether a call of this tool can ever need confirmation: destructive always, for some arguments, or by state. */
export const mayNeedConfirmation = (tool: Pick<ToolDef, "destructive" | "losses">): boolean =>
  tool.destructive !== false || tool.losses !== undefined;

export const confirmInput = z
  .string()
  .max(512)
  .optional()
  .describe("The exact phrase a refusal asked for; only after the person agreed");
