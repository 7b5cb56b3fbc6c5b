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
  .describe("Only when a refusal asks for it, after the person agreed: the exact phrase it gave");
