import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/state/store.js";

describe("memoryStore", () => {
  it("claims an id once until it expires, on the injected clock", async () => {
    let now = 1_000;
    const store = memoryStore(() => now);
    expect(await store.setIfAbsent("used:a", "1", 500)).toBe(true);
    expect(await store.setIfAbsent("used:a", "1", 500)).toBe(false);
    now += 499;
    expect(await store.get("used:a")).toBe("1");
    now += 1;
    expect(await store.get("used:a")).toBeUndefined();
    expect(await store.setIfAbsent("used:a", "2", 500)).toBe(true);
  });

  it("lists live keys under a prefix only", async () => {
    let now = 0;
    const store = memoryStore(() => now);
    await store.set("approval:1", "x", 100);
    await store.set("approval:2", "y", 10);
    await store.set("other:1", "z", 100);
    now = 50;
    expect((await store.keys("approval:")).sort()).toEqual(["approval:1"]);
    await store.delete("approval:1");
    expect(await store.keys("approval:")).toEqual([]);
  });

  it("refuses a value kept forever", async () => {
    const store = memoryStore();
    await expect(store.set("k", "v", 0)).rejects.toThrow(/ttlMs must be a positive number/);
    await expect(store.setIfAbsent("k", "v", Number.POSITIVE_INFINITY)).rejects.toThrow(/ttlMs/);
  });
});
