import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { flyTokensIn } from "../../src/policy/scrub.js";

// Token-shaped fixtures are assembled at run time, never written out.
const part = (prefix: string) => [prefix, randomBytes(60).toString("base64")].join("_");

describe("flyTokensIn lists the Fly-token-shaped strings in a text", () => {
  it("each shape as its pattern matched it: FlyV1 values, then Bearer values, then bare tokens", () => {
    const A = part("fm2");
    const B = part("fm1a");
    const USER = part("fo1");
    const text = `Authorization: FlyV1 ${A},${B}\nproxy: Bearer ${USER}`;
    expect(flyTokensIn(text)).toEqual([`FlyV1 ${A},${B}`, `Bearer ${USER}`, A, B, USER]);
  });

  it("nothing for ordinary text", () => {
    expect(flyTokensIn("machine 148e1234 in app fm-app, the Bearer of news")).toEqual([]);
  });
});
