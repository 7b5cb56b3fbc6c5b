import { z } from "zod";
import { appName, leaseNonce, machineId } from "./fields.js";
import { okOrBody } from "./results.js";
import { defineTools } from "./types.js";

const NONCE = { lease_nonce: "fly-machine-lease-nonce" } as const;
const input = z.object({ app_name: appName, machine_id: machineId, lease_nonce: leaseNonce });

export const cordonTools = defineTools([
  {
    name: "machines_cordon",
    title: "Cordon machine",
    description: "Stop the Fly Proxy routing requests to a machine (it keeps running), e.g. for blue/green.",
    toolset: "cordon",
    access: "write",
    reach: "app",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/cordon",
    input,
    headers: NONCE,
    shape: okOrBody,
  },
  {
    name: "machines_uncordon",
    title: "Uncordon machine",
    description: "Let the Fly Proxy route requests to a cordoned machine again.",
    toolset: "cordon",
    access: "write",
    reach: "app",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/uncordon",
    input,
    headers: NONCE,
    shape: okOrBody,
  },
]);
