import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootCmd, NODE_CMD } from "../../src/docker/container.js";

describe("bootCmd: the node command that writes its files and launches a process as the container starts", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("writes every file byte for byte, launches the script, then becomes the node command", () => {
    const root = mkdtempSync(join(tmpdir(), "splitbrain-boot-"));
    dirs.push(root);
    // A stand-in for `sleep infinity` that records it ran and returns, so the command ends.
    writeFileSync(join(root, NODE_CMD[0]!), `#!/bin/sh\necho "$@" > ${root}/node-cmd\n`);
    chmodSync(join(root, NODE_CMD[0]!), 0o755);
    const tricky = 'port 6379\n# it\'s 100% "quoted" $HOME `x` \\n -n\nlast line without newline';
    const cmd = bootCmd({
      dirs: [`${root}/etc/conf`, `${root}/log`],
      files: [
        { path: `${root}/etc/conf/a.conf`, contents: tricky },
        { path: `${root}/etc/conf/empty.conf`, contents: "" },
      ],
      script: `echo $$ > ${root}/log/pid; echo launched > ${root}/log/out`,
    });
    const r = spawnSync(cmd[0]!, cmd.slice(1), { env: { PATH: `${root}:${process.env.PATH}` }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(`${root}/etc/conf/a.conf`, "utf8")).toBe(tricky);
    expect(readFileSync(`${root}/etc/conf/empty.conf`, "utf8")).toBe("");
    expect(readFileSync(`${root}/node-cmd`, "utf8").trim()).toBe(NODE_CMD.slice(1).join(" "));
    // The launch runs in the background: wait for it briefly.
    for (let i = 0; i < 100 && !existsSync(`${root}/log/out`); i++) spawnSync("sleep", ["0.02"]);
    expect(readFileSync(`${root}/log/out`, "utf8")).toBe("launched\n");
  });

  it("without a script only writes the files", () => {
    const cmd = bootCmd({ dirs: [], files: [{ path: "/x/y.conf", contents: "a" }] });
    expect(cmd.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(cmd[2]).not.toContain("(sh -c");
    expect(cmd.slice(3)).toEqual(["sh", "/x/y.conf", "a"]);
  });
});
