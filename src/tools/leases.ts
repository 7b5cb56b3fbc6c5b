import { z } from "zod";
import { appName, leaseNonce, machineId, nonce } from "./fields.js";
import { okOrBody, unwrapLease } from "./results.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, machine_id: machineId };

export const leaseTools = defineTools([
  {
    name: "leases_acquire",
    title: "Acquire machine lease",
    description:
      "Lock a machine for exclusive changes; returns a nonce to pass as lease_nonce on later writes. Pass a held nonce to extend it.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/lease",
    input: z.object({
      ...target,
      ttl: z.number().int().min(1).max(3600).optional().describe("Lease length in seconds"),
      description: z
        .string()
        .max(256)
        .optional()
        .describe("Why you hold it; shown to others who hit the lease"),
      lease_nonce: leaseNonce.describe("Nonce of a lease you hold, to refresh it"),
    }),
    body: ["ttl", "description"],
    headers: { lease_nonce: "fly-machine-lease-nonce" },
    shape: unwrapLease,
  },
  {
    name: "leases_get",
    title: "Get machine lease",
    description: "Read who holds a machine's lease and until when (404 when there is none).",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/lease",
    input: z.object(target),
    shape: unwrapLease,
  },
  {
    name: "leases_release",
    title: "Release machine lease",
    description: "Release a lease you hold, using its nonce.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    method: "DELETE",
    path: "/apps/{app_name}/machines/{machine_id}/lease",
    input: z.object({
      ...target,
      lease_nonce: nonce.describe("Nonce from leases_acquire"),
    }),
    headers: { lease_nonce: "fly-machine-lease-nonce" },
    shape: (res) => okOrBody({ ...res, data: unwrapLease(res) }),
  },
]);
