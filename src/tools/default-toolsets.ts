/**
 * Toolsets served when none are chosen: core plus cheap read-only lookups. Its own module so that
 * reading the configuration does not build the whole catalog.
 */
export const DEFAULT_TOOLSETS: readonly string[] = ["core", "platform"];

/** Every toolset name, so configuration can reject a typo without loading the catalog. */
export const TOOLSET_NAMES: readonly string[] = [
  "core",
  "platform",
  "org",
  "certificates",
  "ips",
  "metadata",
  "memory",
  "cordon",
  "secrets",
  "secretkeys",
  "snapshots",
  "placements",
  "tokens",
  "postgres",
  "deprecated",
];
