import { expect } from "vitest";
import { PolicyFileError, parsePolicy } from "../../src/policy/index.js";

/** The message a policy text is refused with; fails the test when it is accepted or fails otherwise. */
export function messageOf(text: string): string {
  try {
    parsePolicy(text, "p.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as PolicyFileError).message;
  }
  throw new Error("expected a PolicyFileError");
}
