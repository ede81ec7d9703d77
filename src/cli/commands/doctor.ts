import { existsSync, statfsSync } from "node:fs";
import { Command } from "commander";
import { probeAutoClientMode } from "../../client/probe.js";
import { publishTargetFor } from "../../client/reach.js";
import { ExitCode } from "../../core/exit.js";
import { answerer, c, printJson } from "../../core/output.js";
import { ENGINE_LIST, engineOf, isEngine } from "../../db/engines.js";
import { docker, dockerAvailable, dockerEndpoint } from "../../docker/engine.js";
import { cacheDir } from "../../image/files.js";
import { listNodeImages, type NodeImageInfo } from "../../image/images.js";
import { offlinePrerequisites } from "../../image/offline.js";
import { probeNodeImage } from "../../image/probe.js";

/** ok: present. missing: required and absent (exit 3). unavailable: optional and absent. skipped: could not check. */
export type CheckStatus = "ok" | "missing" | "unavailable" | "skipped";

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** One line saying what to do, when not ok. */
  fix?: string;
}

const MIN_FREE_BYTES = 2 * 2 ** 30;

function freeBytes(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

async function diagnose(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const d = await dockerAvailable();
  if (!d.ok) {
    checks.push({
      name: "docker",
      status: "missing",
      detail: `Docker API not reachable at ${dockerEndpoint()} (${d.error})`,
      fix: "start Docker (e.g. systemctl start docker, or run dockerd as root), or set DOCKER_HOST",
    });
  } else {
    checks.push({
      name: "docker",
      status: "ok",
      detail: `Docker ${d.version} (API ${d.apiVersion}) at ${dockerEndpoint()}`,
    });
  }

  const images: NodeImageInfo[] = d.ok ? await listNodeImages() : [];
  const offline = offlinePrerequisites();
  const baseline = ENGINE_LIST.find((e) => e.baseline)!;
  for (const { name: engine, image } of ENGINE_LIST) {
    const mine = images.filter((i) => i.engine === engine);
    // The baseline (Redis) is the engine every topology and test starts from; the others are extra.
    const required = engine === baseline.name;
    if (mine.length > 0) {
      const versions = mine.map(
        (i) => `${i.ref} (${i.engine} ${i.version}, ${i.route === "offline" ? `Debian ${i.suite}` : i.route})`,
      );
      checks.push({ name: `image ${engine}`, status: "ok", detail: versions.join("; ") });
    } else if (!d.ok) {
      checks.push({ name: `image ${engine}`, status: "skipped", detail: "cannot look without Docker" });
    } else if (offline.ok && !image.offlineBinary) {
      checks.push({
        name: `image ${engine}`,
        status: required ? "missing" : "unavailable",
        detail: "no node image yet; buildable offline here (debootstrap present)",
        fix: `splitbrain image build --db ${engine} --offline${image.defaultSuite !== baseline.image.defaultSuite ? ` --suite ${image.defaultSuite}` : ""}`,
      });
    } else {
      checks.push({
        name: `image ${engine}`,
        status: required ? "missing" : "unavailable",
        detail: image.offlineBinary
          ? "no node image"
          : `no node image, and no offline build here: ${offline.problems.join("; ")}`,
        fix: image.offlineBinary
          ? `splitbrain image build --db ${engine} --offline --binary <path to ${image.offlineBinary.file}> (or online without --offline)`
          : `splitbrain image build --db ${engine} (online), or fix the above and add --offline`,
      });
    }
  }

  const probeImage = images.find((i) => i.engine === baseline.name) ?? images[0];
  if (probeImage) {
    try {
      const p = await probeNodeImage(
        probeImage.ref,
        (isEngine(probeImage.engine) ? engineOf(probeImage.engine) : baseline).image,
      );
      checks.push(
        p.iptables.ok
          ? {
              name: "iptables in a node",
              status: "ok",
              detail: `${p.iptables.backend ?? "works"} (chains, statistic match) in ${probeImage.ref}`,
            }
          : {
              name: "iptables in a node",
              status: "missing",
              detail: `iptables fails inside ${probeImage.ref}: ${p.iptables.error}`,
              fix: p.legacy?.ok
                ? "rebuild the image (splitbrain image build --offline --force) to select iptables-legacy"
                : "load the ip_tables/nf_tables kernel modules on the host",
            },
      );
      checks.push(
        p.netem.ok
          ? { name: "tc netem", status: "ok", detail: "available: latency fault enabled" }
          : {
              name: "tc netem",
              status: "unavailable",
              detail: "unavailable: latency fault disabled (no sch_netem in this kernel)",
              fix: "modprobe sch_netem on the host, if your kernel ships it",
            },
      );
    } catch (err) {
      checks.push({
        name: "iptables in a node",
        status: "missing",
        detail: `could not start a probe node: ${(err as Error).message}`,
        fix: "check `docker run` works for root",
      });
    }
    // What --client-mode auto would pick: one throwaway node, one connect to its container address.
    try {
      const decision = await probeAutoClientMode(probeImage.ref);
      const at = publishTargetFor(process.env.DOCKER_HOST).dialHost;
      checks.push({
        name: "client mode (auto)",
        status: "ok",
        detail: decision.mode === "direct" ? `direct: ${decision.why}` : `published (ports on ${at}): ${decision.why}`,
      });
    } catch (err) {
      checks.push({
        name: "client mode (auto)",
        status: "skipped",
        detail: `could not start a probe node: ${(err as Error).message.split("\n")[0]}`,
      });
    }
  } else {
    checks.push({
      name: "client mode (auto)",
      status: "skipped",
      detail: d.ok ? "needs a node image first" : "needs Docker",
    });
    checks.push({
      name: "iptables in a node",
      status: "skipped",
      detail: d.ok ? "needs a node image first" : "needs Docker",
    });
    checks.push({ name: "tc netem", status: "skipped", detail: d.ok ? "needs a node image first" : "needs Docker" });
  }

  const freezer = existsSync("/sys/fs/cgroup/freezer") || existsSync("/sys/fs/cgroup/cgroup.controllers");
  checks.push(
    freezer
      ? {
          name: "cgroup freezer",
          status: "ok",
          detail: existsSync("/sys/fs/cgroup/freezer") ? "cgroup v1 freezer mounted" : "cgroup v2 (cgroup.freeze)",
        }
      : {
          name: "cgroup freezer",
          status: "unavailable",
          detail: "not found (pause uses SIGSTOP, which does not need it)",
        },
  );
  checks.push(
    existsSync("/dev/fuse")
      ? { name: "FUSE", status: "ok", detail: "/dev/fuse present (for the power-loss fault)" }
      : {
          name: "FUSE",
          status: "unavailable",
          detail: "no /dev/fuse: power-loss fault disabled",
          fix: "modprobe fuse",
        },
  );

  let dockerRoot: string | undefined;
  if (d.ok) dockerRoot = ((await docker().info()) as { DockerRootDir?: string }).DockerRootDir;
  for (const [what, path] of [
    ["Docker's storage", dockerRoot],
    ["image cache", existsSync(cacheDir()) ? cacheDir() : process.env.HOME],
  ] as const) {
    if (!path) continue;
    const free = freeBytes(path);
    if (free === undefined) continue;
    checks.push(
      free >= MIN_FREE_BYTES
        ? { name: `free disk (${what})`, status: "ok", detail: `${gib(free)} free at ${path}` }
        : {
            name: `free disk (${what})`,
            status: "missing",
            detail: `only ${gib(free)} free at ${path}`,
            fix: `free at least ${gib(MIN_FREE_BYTES)} (docker system prune, splitbrain clean)`,
          },
    );
  }
  return checks;
}

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("check that Docker, node images and kernel features needed for runs are present")
    .option("--json", "print the checks as JSON on stdout")
    .addHelpText(
      "after",
      "\nExit 0 when everything required is there, 3 otherwise.\n\nExamples:\n  $ splitbrain doctor\n  $ splitbrain doctor --json",
    )
    .action(async (o: { json?: boolean }) => {
      const checks = await diagnose();
      const ok = !checks.some((ch) => ch.status === "missing");
      if (o.json) printJson({ ok, checks });
      else {
        const answer = answerer(false);
        const mark: Record<CheckStatus, string> = {
          ok: c().green("ok         "),
          missing: c().red("missing    "),
          unavailable: c().yellow("unavailable"),
          skipped: c().dim("skipped    "),
        };
        for (const ch of checks) {
          const fix = ch.fix && ch.status !== "ok" ? ` ${c().dim("- fix:")} ${ch.fix}` : "";
          answer(`${mark[ch.status]} ${ch.name.padEnd(28)} ${ch.detail}${fix}`);
        }
      }
      if (!ok) process.exitCode = ExitCode.Usage;
    });
}
