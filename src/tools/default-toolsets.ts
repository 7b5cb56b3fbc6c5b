/**
 * Toolsets served when none are chosen: core plus cheap read-only lookups. Its own module so that
 * reading the configuration does not build the whole catalog.
 */
export const DEFAULT_TOOLSETS: readonly string[] = ["core", "platform"];
