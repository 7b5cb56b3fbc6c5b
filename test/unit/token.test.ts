import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authorizationHeader, parseToken, TokenFormatError } from "../../src/fly/auth.js";

// Token-shaped fixtures are assembled at run time, never written out.
const part = (prefix: string) => [prefix, randomBytes(30).toString("base64")].join("_");

describe("tokens as `fly auth token` and `fly tokens create` print them", () => {
  const a = part("fm2");
  const b = part("fm1r");
  const user = part("fo1");

  it("comma-separated macaroons, with spaces after commas, go as one FlyV1 header", () => {
    expect(authorizationHeader(`${a}, ${b}`)).toBe(`FlyV1 ${a},${b}`);
    expect(authorizationHeader(`FlyV1 ${a},${b}\n`)).toBe(`FlyV1 ${a},${b}`);
  });

  it("keeps the macaroon parts and drops a user-token part, as Fly's Go client does for the Machines API", () => {
    expect(parseToken(`${user},${a}`)).toEqual({ macaroons: [a], others: [user] });
    expect(authorizationHeader(`${user},${a}`)).toBe(`FlyV1 ${a}`);
  });

  it("a token with no macaroon goes as Bearer", () => {
    expect(authorizationHeader(user)).toBe(`Bearer ${user}`);
    expect(authorizationHeader(`Bearer ${user}`)).toBe(`Bearer ${user}`);
  });

  it.each([
    ["a line break", `${a}\n${b}`, /a line break/],
    ["a carriage return", `${a},\r${b}`, /a carriage return/],
    ["a NUL byte", `${a}\u0000`, /a NUL byte/],
    ["a DEL", `${a}\u007f`, /a control character/],
    ["a non-ASCII letter", `${a}ü`, /a non-ASCII character/],
    ["a macaroon with a bad character", `fm2_${"A".repeat(20)}!`, /part|not a Fly macaroon/],
    ["only commas", " , ,", /holds no token/],
  ])("%s is refused, naming FLY_API_TOKEN and the fix, without any of the token", (_what, token, reason) => {
    let error: unknown;
    try {
      parseToken(token);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenFormatError);
    const message = (error as Error).message;
    expect(message).toMatch(reason);
    expect(message).toMatch(/^FLY_API_TOKEN/);
    expect(message).toMatch(/fly tokens create|fly auth token/);
    for (let i = 0; i + 6 <= a.length; i += 3) expect(message).not.toContain(a.slice(i, i + 6));
  });
});
