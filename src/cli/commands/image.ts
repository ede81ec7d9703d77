import { Command, Option } from "commander";
import { UsageError } from "../../core/exit.js";
import { answerer, c, printJson, say } from "../../core/output.js";
import { ENGINE_LIST, ENGINE_NAMES, engineOf, isEngine } from "../../db/engines.js";
import { installSignalHandlers } from "../../docker/cleanup.js";
import { requireDocker } from "../../docker/engine.js";
import { SUITES } from "../../image/definition.js";
import { listNodeImages } from "../../image/images.js";
import { buildOfflineImage } from "../../image/offline.js";
import { buildOnlineImage, checkRegistry } from "../../image/online.js";
import { pickNodeImage } from "../../image/select.js";

interface BuildOpts {
  db: string;
  version?: string;
  offline?: boolean;
  suite?: string;
  binary?: string;
  force?: boolean;
  json?: boolean;
  registry?: string;
  baseImage?: string;
}

const BASELINE = ENGINE_LIST.find((e) => e.baseline)!;
/** Engines whose offline image takes the server from --binary (Debian does not package them). */
const FROM_BINARY = ENGINE_LIST.filter((e) => e.image.offlineBinary);
const SUITE_HELP = [
  `default: ${BASELINE.image.defaultSuite}`,
  ...ENGINE_LIST.filter((e) => !e.image.offlineBinary && e.image.defaultSuite !== BASELINE.image.defaultSuite).map(
    (e) => `${e.name}: ${e.image.defaultSuite}`,
  ),
].join("; ");
/** One example per other engine, of its offline route. */
const ENGINE_EXAMPLES = ENGINE_LIST.filter((e) => !e.baseline).map((e) =>
  e.image.offlineBinary
    ? `  $ splitbrain image build --db ${e.name} --offline --binary ./${e.image.offlineBinary.file}\n`
    : `  $ splitbrain image build --db ${e.name} --offline --suite ${SUITES.at(-1)}\n`,
);

function buildCommand(): Command {
  return new Command("build")
    .exitOverride()
    .description("build a node image: offline from Debian packages (or a binary), or online from the official image")
    .addOption(new Option("--db <engine>", "database engine").choices([...ENGINE_NAMES]).default(BASELINE.name))
    .option("--version <version>", "engine version (offline: picks the Debian suite that carries it)")
    .option("--offline", "build from Debian packages with debootstrap (no registry needed; needs root)")
    .addOption(new Option("--suite <suite>", `Debian suite for --offline (${SUITE_HELP})`).choices([...SUITES]))
    .option(
      "--binary <path>",
      `server binary to put in the image (${FROM_BINARY.map((e) => e.label).join(", ")}, with --offline)`,
    )
    .option(
      "--registry <host:port>",
      "online: take the official image from this registry (e.g. a mirror: localhost:5000 gives localhost:5000/redis:7.2.4)",
    )
    .option("--base-image <ref>", "online: build on this image instead of the official one (laid out like it)")
    .option("--force", "rebuild even if an image of the same definition exists")
    .option("--json", "print the result as JSON on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n  $ splitbrain image build --offline                      # Redis 7.0 from Debian bookworm\n" +
        ENGINE_EXAMPLES.join("") +
        "  $ splitbrain image build --db redis --version 7.2.4          # online, FROM redis:7.2.4\n" +
        "  $ splitbrain image build --db redis --version 7.2.4 --registry localhost:5000   # FROM localhost:5000/redis:7.2.4",
    )
    .action(async (o: BuildOpts) => {
      if (!isEngine(o.db)) throw new UsageError(`unknown engine ${o.db}`);
      if (!o.offline && (o.suite || o.binary)) {
        throw new UsageError("--suite and --binary belong to offline builds", "add --offline");
      }
      if (o.offline && (o.registry || o.baseImage)) {
        throw new UsageError("--registry and --base-image belong to online builds", "drop --offline");
      }
      if (o.registry && o.baseImage) {
        throw new UsageError(
          "--registry and --base-image both name the image to build on",
          "give one: --registry <host:port> (official names there) or --base-image <ref>",
        );
      }
      if (o.registry) checkRegistry(o.registry);
      const image = engineOf(o.db).image;
      if (o.offline && o.binary && !image.offlineBinary) {
        throw new UsageError(
          `--binary is for ${FROM_BINARY.map((e) => e.label).join(", ")}; ${o.db} comes from Debian packages`,
          `drop --binary, or use ${FROM_BINARY.map((e) => `--db ${e.name}`).join(" or ")}`,
        );
      }
      installSignalHandlers(3);
      const built = o.offline
        ? await buildOfflineImage({
            image,
            ...(o.version ? { version: o.version } : {}),
            ...(o.suite ? { suite: o.suite } : {}),
            ...(o.binary ? { binary: o.binary } : {}),
            force: !!o.force,
          })
        : await buildOnlineImage({
            image,
            ...(o.version ? { version: o.version } : {}),
            ...(o.registry ? { registry: o.registry } : {}),
            ...(o.baseImage ? { baseImage: o.baseImage } : {}),
          });
      if (o.json) printJson(built);
    });
}

function listCommand(): Command {
  return new Command("list")
    .exitOverride()
    .description("list the node images in the local Docker engine, with engine, version and how each was built")
    .option("--json", "print as JSON on stdout")
    .addHelpText("after", "\nExample:\n  $ splitbrain image list")
    .action(async (o: { json?: boolean }) => {
      await requireDocker();
      const images = await listNodeImages();
      if (o.json) return printJson(images);
      const answer = answerer(false);
      if (images.length === 0) {
        answer("no node images; build one with: splitbrain image build --offline");
        return;
      }
      for (const i of images) {
        const from = i.route === "offline" ? `Debian ${i.suite ?? "?"}` : i.route;
        // The image a run takes when --version is not given: the highest version of the engine.
        const isDefault = pickNodeImage(images, i.engine)?.ref === i.ref;
        answer(
          `${c().bold(i.ref.padEnd(44))} ${i.engine.padEnd(10)} ${i.version.padEnd(9)} ${from.padEnd(16)} ` +
            `${`${(i.sizeBytes / 2 ** 20).toFixed(0)} MiB`.padEnd(8)} ${c().dim(`def ${i.definitionHash ?? "?"}`)}` +
            `${isDefault ? `  default for --db ${i.engine}` : ""}`,
        );
      }
      say(c().dim("pick one with --db <engine> --version <prefix> (e.g. --db redis --version 8.0), or --image <ref>"));
    });
}

export function imageCommand(): Command {
  return new Command("image")
    .description("build or list the node images runs use")
    .addCommand(buildCommand())
    .addCommand(listCommand())
    .addHelpText("after", "\nExamples:\n  $ splitbrain image build --offline\n  $ splitbrain image list");
}
