import { expect, it } from "vitest";
import { scrubText } from "../../src/policy/scrub.js";
import { registerRedisUrl } from "../../src/state/redis-secret.js";

it("a Redis password holding @ is scrubbed whole, as the URL parser reads it", () => {
  const url = "redis://:hunter2@longsecretpassword@redis.internal:6379/0";
  expect(decodeURIComponent(new URL(url).password)).toBe("hunter2@longsecretpassword");
  registerRedisUrl(url);
  const out = scrubText("connecting with hunter2@longsecretpassword now");
  expect(out).not.toContain("longsecretpassword");
  expect(scrubText("host redis.internal:6379")).toBe("host redis.internal:6379");
});
