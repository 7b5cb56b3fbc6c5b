import { z } from "zod";
import { appName, machineId } from "./fields.js";
import { itemList } from "./results.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, machine_id: machineId };

export const infoTools = defineTools([
  {
    name: "machines_processes",
    title: "List machine processes",
    description:
      "List the processes running in a started machine (pid, command, cpu, memory, listening sockets).",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/ps",
    input: z.object({
      ...target,
      sort_by: z
        .enum(["pid", "cpu", "rss", "rtime", "stime", "command"])
        .optional()
        .describe("Field to sort by"),
      order: z.enum(["asc", "desc"]).optional().describe("Sort order"),
    }),
    query: ["sort_by", "order"],
    shape: itemList,
  },
  {
    name: "machines_events",
    title: "List machine events",
    description:
      "A machine's recent state changes, newest first (launch, start, exit with exit code, update). Use it to see why a machine stopped.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/events",
    input: z.object({
      ...target,
      limit: z.number().int().min(1).max(50).optional().describe("How many events (1-50)"),
    }),
    query: ["limit"],
    shape: itemList,
  },
  {
    name: "machines_versions",
    title: "List machine versions",
    description:
      "A machine's config versions, one per update; pass a version to machines_get to read its config.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/versions",
    input: z.object(target),
    shape: itemList,
  },
]);
