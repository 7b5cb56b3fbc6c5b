import { z } from "zod";
import { appName, ipAddress, orgSlug, region } from "./fields.js";
import { ipOutput, ipsOutput } from "./outputs.js";
import { answers, okOrBody } from "./results.js";
import { defineTools } from "./types.js";

export const ipTools = defineTools([
  {
    name: "ips_list",
    title: "List IP addresses",
    description: "List the IP addresses assigned to an app (public, shared, private, egress).",
    toolset: "ips",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/ip_assignments",
    shape: answers(ipsOutput),
    input: z.object({ app_name: appName }),
  },
  {
    name: "ips_assign",
    title: "Assign IP address",
    description: "Allocate an IP address to an app. A dedicated v4 is billed; shared_v4 is free.",
    toolset: "ips",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/ip_assignments",
    shape: answers(ipOutput),
    input: z.object({
      app_name: appName,
      type: z
        .enum(["v4", "v6", "shared_v4", "private_v6", "egress_v4", "egress_v6", "egress_pair"])
        .describe("Kind of address"),
      region: region.optional().describe("Region, for egress addresses"),
      service_name: z.string().max(63).optional().describe("Service to attach it to"),
      network: z.string().max(63).optional().describe("Custom private network, for private_v6"),
      org_slug: orgSlug.optional().describe("Org owning that network"),
    }),
    body: ["type", "region", "service_name", "network", "org_slug"],
  },
  {
    name: "ips_release",
    title: "Release IP address",
    description: "Remove an IP address from an app; a released dedicated address cannot be got back.",
    toolset: "ips",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}/ip_assignments/{ip}",
    input: z.object({ app_name: appName, ip: ipAddress }),
    shape: okOrBody,
  },
]);
