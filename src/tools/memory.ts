import { z } from "zod";
import { appName, machineId } from "./fields.js";
import { memoryOutput, reclaimOutput } from "./outputs.js";
import { answers } from "./results.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, machine_id: machineId };

export const memoryTools = defineTools([
  {
    name: "machines_memory_get",
    title: "Get machine memory",
    description: "Read a running machine's memory limit and available memory (balloon device), in MB.",
    toolset: "memory",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/memory",
    shape: answers(memoryOutput),
    input: z.object(target),
  },
  {
    name: "machines_memory_set",
    title: "Set machine memory limit",
    description:
      "Change a running machine's memory limit without a restart; too low and processes get OOM-killed.",
    toolset: "memory",
    access: "write",
    reach: "app",
    destructive: false,
    method: "PUT",
    path: "/apps/{app_name}/machines/{machine_id}/memory",
    shape: answers(memoryOutput),
    input: z.object({ ...target, limit_mb: z.number().int().min(1).describe("New limit in MB") }),
    body: ["limit_mb"],
  },
  {
    name: "machines_memory_reclaim",
    title: "Reclaim machine memory",
    description: "Ask a running machine to hand back unused memory to the host (balloon inflate).",
    toolset: "memory",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/memory/reclaim",
    shape: answers(reclaimOutput),
    input: z.object({ ...target, amount_mb: z.number().int().min(1).describe("MB to reclaim") }),
    body: ["amount_mb"],
  },
]);
