import { newApp } from "./apps.js";
import { Lifecycle, plans } from "./lifecycle.js";
import { addMachine } from "./machines.js";
import type { Deps } from "./router.js";
import type { MachineConfig } from "./schemas.js";
import { setSecret } from "./secrets.js";

const demoConfig = (role: string): MachineConfig => ({
  image: "flyio/hellofly:latest",
  env: { APP_ROLE: role },
  guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
  metadata: { role },
  services: [
    {
      protocol: "tcp",
      internal_port: 8080,
      ports: [
        { port: 80, handlers: ["http"] },
        { port: 443, handlers: ["tls", "http"] },
      ],
    },
  ],
});

/**
 * The `personal` org always exists, as on every Fly account. With the demo: app `demo-app` with
 * `demo-web` (started) and `demo-worker` (stopped), and the secret DATABASE_URL.
 */
export function seedState(deps: Deps, withDemo: boolean): void {
  deps.store.orgs.set("personal", { slug: "personal", name: "Personal", internalNumericId: 1 });
  if (!withDemo) return;
  // The seed is the starting point, so its transitions complete at once whatever transitionMs is.
  const instant = { ...deps, lifecycle: new Lifecycle(deps.store, 0) };
  const app = newApp(deps, "demo-app", "personal");
  addMachine(instant, app, { name: "demo-web", region: "iad", config: demoConfig("web") });
  const worker = addMachine(instant, app, {
    name: "demo-worker",
    region: "iad",
    config: demoConfig("worker"),
  });
  instant.lifecycle.run(worker, plans.stop());
  setSecret(app, "DATABASE_URL", "postgres://demo:demo-password@demo-db.flycast:5432/demo");
  app.secretsVersion = 1;
}
