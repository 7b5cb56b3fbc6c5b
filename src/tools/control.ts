import { z } from "zod";
import { anySignal, appName, duration, leaseNonce, machineId, stopSignal, versionId } from "./fields.js";
import { destroyedBySignal, destroyedByStop, killsAtOnce } from "./losses.js";
import { waitOutput } from "./outputs.js";
import { answers, execResult, okOrBody } from "./results.js";
import { defineTools } from "./types.js";

const NONCE = { lease_nonce: "fly-machine-lease-nonce" } as const;
const target = { app_name: appName, machine_id: machineId };

export const controlTools = defineTools([
  {
    name: "machines_start",
    title: "Start machine",
    description: "Start a stopped or suspended machine (a suspended one resumes from memory).",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/start",
    input: z.object({ ...target, lease_nonce: leaseNonce }),
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_stop",
    title: "Stop machine",
    description:
      "Stop a machine: sends signal (default SIGINT), then kills it after timeout. Stopped machines still cost storage.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: killsAtOnce,
    losses: destroyedByStop,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/stop",
    input: z.object({
      ...target,
      signal: stopSignal.optional().describe("Signal sent first; SIGKILL stops it at once"),
      timeout: duration.optional().describe('Grace period before a hard stop, e.g. "10s"'),
      lease_nonce: leaseNonce,
    }),
    body: ["signal", "timeout"],
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_restart",
    title: "Restart machine",
    description: "Restart a running machine in place (same config and version).",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: killsAtOnce,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/restart",
    input: z.object({
      ...target,
      signal: stopSignal.optional().describe("Signal used to stop it"),
      timeout: duration.optional().describe('Grace period before a hard stop, e.g. "10s"'),
      lease_nonce: leaseNonce,
    }),
    query: ["signal", "timeout"],
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_suspend",
    title: "Suspend machine",
    description: "Suspend a machine, saving its memory so the next start resumes where it left off.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/suspend",
    input: z.object({ ...target, lease_nonce: leaseNonce }),
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_signal",
    title: "Signal machine",
    description: "Send a signal to the machine's main process (e.g. SIGHUP to reload).",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: killsAtOnce,
    losses: destroyedBySignal,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/signal",
    input: z.object({ ...target, signal: anySignal.describe("Signal to send"), lease_nonce: leaseNonce }),
    body: ["signal"],
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_exec",
    title: "Run command in machine",
    description:
      "Run a command in a started machine and return stdout, stderr and exit_code. A failing command still answers 200: check exit_code.",
    toolset: "core",
    access: "exec",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/exec",
    input: z.object({
      ...target,
      command: z
        .array(z.string().max(8192))
        .min(1)
        .max(256)
        .describe('argv, e.g. ["ls", "-la", "/data"]; no shell unless you run one'),
      // Fly's exec endpoint answers 408 once a command runs about 30 s, whatever the timeout.
      timeout: z
        .number()
        .int()
        .min(1)
        .max(30)
        .optional()
        .describe(
          "Seconds before the command is killed, at most 30: Fly stops waiting for exec after about 30 s; start longer work in the background",
        ),
      stdin: z.string().max(1_000_000).optional().describe("Text fed to the command's stdin"),
      container: z.string().max(128).optional().describe("Container to run in (multi-container machines)"),
    }),
    body: ["command", "timeout", "stdin", "container"],
    sensitive: ["stdin"],
    timeoutMs: (args) => (Number(args.timeout ?? 30) + 10) * 1000,
    // Only 64 KiB of each stream is shown; more than this is read for nothing.
    maxResponseBytes: 1024 * 1024,
    shape: execResult,
  },
  {
    name: "machines_wait",
    title: "Wait for machine state",
    description:
      "Block until the machine reaches a state (default started) or timeout seconds (max 60) pass; then call again or read it.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/wait",
    shape: answers(waitOutput),
    input: z.object({
      ...target,
      state: z
        .enum(["started", "stopped", "suspended", "destroyed", "failed", "settled"])
        .optional()
        .describe("State to wait for; default started"),
      timeout: z.number().int().min(1).max(60).optional().describe("Seconds to wait, 1-60; default 60"),
      version: versionId.optional().describe("Wait for this version (needed for stopped after an update)"),
      instance_id: versionId.optional().describe("Deprecated alias of version"),
    }),
    query: ["state", "timeout", "version", "instance_id"],
    timeoutMs: (args) => (Number(args.timeout ?? 60) + 5) * 1000,
    onStatus: {
      408: (args) => ({
        text: `Not there yet: machine ${args.machine_id} did not reach state "${args.state ?? "started"}" within ${args.timeout ?? 60}s. It may still be on its way: call machines_wait again to keep waiting, or machines_get to see its current state and events.`,
        data: { ok: false, reached: false, state_wanted: args.state ?? "started" },
      }),
    },
  },
]);
