import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addRoutes, dialAddress } from "../../src/client/connect.js";
import { probeTcp } from "../../src/client/probe.js";
import {
  containerAddressFor,
  decideClientMode,
  publishTargetFor,
  type ReachProbe,
  runnerSourceFromClientList,
} from "../../src/client/reach.js";
import { UsageError } from "../../src/core/exit.js";
import { publishedPort } from "../../src/docker/ports.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";

const reached: ReachProbe = { target: "10.213.5.11:6379", reachable: true, detail: "connected in 1 ms" };
const hung: ReachProbe = { target: "10.213.5.11:6379", reachable: false, detail: "no answer within 1500 ms" };

describe("decideClientMode", () => {
  it("auto follows the probe and says why", () => {
    expect(decideClientMode("auto", reached)).toMatchObject({ asked: "auto", mode: "direct", probe: reached });
    const d = decideClientMode("auto", hung);
    expect(d.mode).toBe("published");
    expect(d.why).toContain("cannot reach container addresses");
    expect(d.why).toContain("10.213.5.11:6379: no answer within 1500 ms");
  });

  it("auto without a probe falls back to published ports, which work on every engine", () => {
    expect(decideClientMode("auto", undefined).mode).toBe("published");
  });

  it("a forced mode stays forced, and the probe is kept to explain it", () => {
    expect(decideClientMode("direct", hung)).toMatchObject({ mode: "direct", probe: hung });
    expect(decideClientMode("direct", hung).why).toContain("no answer within 1500 ms");
    expect(decideClientMode("published", reached)).toMatchObject({ mode: "published", probe: reached });
  });
});

describe("publishTargetFor (DOCKER_HOST)", () => {
  it("local engines publish and dial on loopback", () => {
    for (const h of [
      undefined,
      "",
      "unix:///var/run/docker.sock",
      "unix:///run/user/1000/docker.sock",
      "npipe:////./pipe/docker_engine",
      "tcp://127.0.0.1:2375",
      "tcp://localhost:2375",
    ]) {
      expect(publishTargetFor(h), String(h)).toEqual({ dialHost: "127.0.0.1", bindIp: "127.0.0.1", remote: false });
    }
  });

  it("remote engines are dialled at their host; the bind address is looked up from it", () => {
    expect(publishTargetFor("tcp://build-box.lan:2376")).toEqual({
      dialHost: "build-box.lan",
      bindIp: undefined,
      remote: true,
    });
    expect(publishTargetFor("ssh://ci@10.0.0.7")).toEqual({ dialHost: "10.0.0.7", bindIp: undefined, remote: true });
    expect(publishTargetFor("ssh://ci@10.0.0.7:2222")).toMatchObject({ dialHost: "10.0.0.7", remote: true });
    expect(publishTargetFor("tcp://[fd00::7]:2375")).toMatchObject({ dialHost: "fd00::7", remote: true });
  });
});

describe("runnerSourceFromClientList", () => {
  const list = [
    "id=3 addr=10.213.5.12:41234 laddr=10.213.5.11:6379 fd=8 name= age=9 idle=0 flags=S db=0 cmd=replconf",
    "id=7 addr=10.213.5.1:52110 laddr=10.213.5.11:6379 fd=9 name= age=0 idle=0 flags=N db=0 cmd=client|list",
    "",
  ].join("\n");

  it("finds the runner's own connection by id and returns its source address", () => {
    expect(runnerSourceFromClientList(list, 7)).toBe("10.213.5.1");
    expect(runnerSourceFromClientList(list, 3)).toBe("10.213.5.12");
  });

  it("returns undefined when the connection is missing or its address is not IPv4", () => {
    expect(runnerSourceFromClientList(list, 99)).toBeUndefined();
    expect(runnerSourceFromClientList("id=4 addr=/tmp/redis.sock:0 fd=5", 4)).toBeUndefined();
    expect(runnerSourceFromClientList("id=4 addr=[::1]:5000 fd=5", 4)).toBeUndefined();
  });
});

describe("address maps", () => {
  const map = {
    "10.213.5.11:6379": { host: "127.0.0.1", port: 32768 },
    "10.213.5.14:26379": { host: "127.0.0.1", port: 32770 },
  };

  it("maps a published address back to its container address (for op attribution)", () => {
    expect(containerAddressFor(map, "127.0.0.1", 32770)).toEqual({ host: "10.213.5.14", port: 26379 });
    expect(containerAddressFor(map, "127.0.0.1", 1)).toBeUndefined();
  });

  it("reads the host port Docker chose from inspect", () => {
    expect(publishedPort({ "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "32768" }] }, 6379)).toBe(32768);
    expect(publishedPort({ "6379/tcp": null }, 6379)).toBeUndefined();
    expect(publishedPort({ "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] }, 6379)).toBeUndefined();
    expect(publishedPort(undefined, 6379)).toBeUndefined();
  });

  it("routes take effect for admin dials while registered, and go with their run", () => {
    expect(dialAddress("10.213.5.11", 6379)).toEqual({ host: "10.213.5.11", port: 6379 });
    const withdraw = addRoutes(map);
    expect(dialAddress("10.213.5.11", 6379)).toEqual({ host: "127.0.0.1", port: 32768 });
    expect(dialAddress("10.213.5.12", 6379)).toEqual({ host: "10.213.5.12", port: 6379 });
    withdraw();
    expect(dialAddress("10.213.5.11", 6379)).toEqual({ host: "10.213.5.11", port: 6379 });
  });
});

describe("probeTcp", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("is reachable only when the handshake completes", async () => {
    const ok = await probeTcp("127.0.0.1", port, 1000);
    expect(ok).toMatchObject({ target: `127.0.0.1:${port}`, reachable: true, refused: false });
    expect(ok.detail).toMatch(/^connected in \d+ ms$/);
  });

  it("a refusal is not reachability (a firewall on the way can refuse too)", async () => {
    await new Promise<void>((r) => server.close(() => r()));
    const refused = await probeTcp("127.0.0.1", port, 1000);
    expect(refused).toMatchObject({ reachable: false, refused: true, detail: "ECONNREFUSED" });
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  });
});

describe("--client-mode", () => {
  const base: RunOptions = {
    workload: "set",
    concurrency: "2",
    timeLimit: "5",
    recoveryTime: "1",
    opTimeout: "500",
    nemesisInterval: "3",
    nemesisMode: "sequential",
    results: "results",
  } as RunOptions;

  it("defaults to auto and keeps a forced mode in the plan (written to test.json)", () => {
    expect(planFromOptions(base).clientMode).toBe("auto");
    expect(planFromOptions({ ...base, clientMode: "published" }).clientMode).toBe("published");
    expect(planFromOptions({ ...base, clientMode: "direct" }).clientMode).toBe("direct");
  });

  it("refuses an unknown mode naming the choices", () => {
    expect(() => planFromOptions({ ...base, clientMode: "bridge" })).toThrow(UsageError);
    expect(() => planFromOptions({ ...base, clientMode: "bridge" })).toThrow(/auto, direct, published/);
  });
});
