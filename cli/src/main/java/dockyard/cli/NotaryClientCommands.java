package dockyard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.notary.client.Changelist;
import dockyard.notary.client.KeyRing;
import dockyard.notary.client.NotaryRemote;
import dockyard.notary.client.NotaryRepository;
import dockyard.notary.client.Passphrases;
import dockyard.notary.client.Trusted;
import dockyard.notary.keys.Certificates;
import dockyard.notary.tuf.TufKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** The notary client verbs: what notary's CLI prints and takes, over our TUF client library. */
final class NotaryClientCommands {
    private NotaryClientCommands() {}

    /** notary's global flags; given before or after the verb. */
    static final class Globals {
        @Option(names = {"-s", "--server"}, description = "notary server URL. Default: the config's remote_server.url, else https://notary-server:4443") String server;
        @Option(names = {"-d", "--trustDir"}, description = "trust directory. Default: the config's trust_dir, else ~/.notary") Path trustDir;
        @Option(names = {"-c", "--configFile"}, description = "notary config JSON. Default: TRUST_DIR/config.json when present") Path config;
        @Option(names = {"-D", "--debug"}, description = "more output") boolean debug;
        @Option(names = "--tlscacert", description = "trust only server certificates signed by this CA (PEM). Default: the config's remote_server.root_ca") Path tlsCa;
    }

    /** A verb's resolved settings: its own flags, then the parent's (`notary -s X list` and `notary list -s X` both work). */
    abstract static class Verb implements Callable<Integer> {
        @Mixin Globals own;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        Globals parentGlobals() {
            for (var c = spec.parent(); c != null; c = c.parent()) {
                if (c.userObject() instanceof NotaryCommand n) return n.globals;
            }
            return new Globals();
        }

        private JsonNode config() throws IOException {
            Globals p = parentGlobals();
            Path cfg = own.config != null ? own.config : p.config;
            if (cfg == null) {
                Path def = Path.of(System.getProperty("user.home"), ".notary", "config.json");
                if (!Files.exists(def)) return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                cfg = def;
            }
            try {
                return new ObjectMapper().readTree(cfg.toFile());
            } catch (IOException e) {
                throw new IOException("notary config " + cfg + ": " + e.getMessage());
            }
        }

        Path trustDir() throws IOException {
            Path d = own.trustDir != null ? own.trustDir : parentGlobals().trustDir;
            if (d != null) return d;
            String fromConfig = config().path("trust_dir").asText("");
            if (!fromConfig.isEmpty()) return Path.of(fromConfig.replaceFirst("^~", System.getProperty("user.home")));
            return Path.of(System.getProperty("user.home"), ".notary");
        }

        URI server() throws IOException {
            String s = own.server != null ? own.server : parentGlobals().server;
            if (s == null) s = config().path("remote_server").path("url").asText("");
            if (s.isEmpty()) s = "https://notary-server:4443";
            return URI.create(s);
        }

        PrintStream out() {
            return System.out;
        }

        javax.net.ssl.SSLContext tls() throws IOException {
            Path ca = own.tlsCa != null ? own.tlsCa : parentGlobals().tlsCa;
            if (ca == null) {
                String fromConfig = config().path("remote_server").path("root_ca").asText("");
                if (fromConfig.isEmpty()) return null;
                ca = trustDir().resolve(fromConfig.replaceFirst("^~", System.getProperty("user.home")));
            }
            return NotaryRemote.trustingCa(ca);
        }

        NotaryRepository repo(String gun) throws IOException {
            return new NotaryRepository(trustDir(), gun, new NotaryRemote(server(), gun, tls()), Passphrases.fromEnvironment(System.getenv()),
                    Clock.systemUTC(), m -> System.err.println("notary: warning: " + m));
        }

        KeyRing keyRing() throws IOException {
            return repo("_").keys();
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Initialize a new trusted collection (root, targets and snapshot keys here, the timestamp key on the server).")
    static final class Init extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Option(names = {"-p", "--publish"}, description = "publish right away") boolean publish;
        @Option(names = "--rootkey", description = "root key (ECDSA PEM) to initialize the repository with") Path rootKey;

        @Override public Integer call() throws Exception {
            NotaryRepository r = repo(gun);
            KeyRing.Entry root = r.keys().rootKey();
            if (rootKey == null) out().println(root != null ? "Root key found, using: " + root.keyId() : "No root keys found. Generating a new root key...");
            r.init(rootKey);
            if (publish) new Publish().publish(r, out());
            return 0;
        }
    }

    /** What add and addhash share: a target staged into roles, with optional custom JSON, maybe published at once. */
    abstract static class StageTarget extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Parameters(index = "1", paramLabel = "TARGET") String name;
        @Option(names = {"-r", "--roles"}, description = "delegation role to add the target to. Default: targets") List<String> roles = new ArrayList<>();
        @Option(names = "--custom", description = "file of custom JSON for the target") Path custom;
        @Option(names = {"-p", "--publish"}, description = "publish right away") boolean publish;

        abstract void stage(NotaryRepository r, String role, JsonNode custom) throws Exception;

        abstract String staged();

        /** Checks the verb's inputs before anything is staged. */
        void check() throws IOException {}

        @Override public Integer call() throws Exception {
            check();
            NotaryRepository r = repo(gun);
            JsonNode c = custom == null ? null : new ObjectMapper().readTree(InputFiles.require(custom, "notary " + spec.name() + " --custom", "custom JSON file").toFile());
            for (String role : roles.isEmpty() ? List.of("targets") : roles) stage(r, role, c);
            out().println(staged());
            if (publish) new Publish().publish(r, out());
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Stage a target (name, sha256/sha512 and length of FILE) for the next publish.")
    static final class Add extends StageTarget {
        @Parameters(index = "2", paramLabel = "FILE") Path file;

        @Override void check() throws IOException {
            InputFiles.require(file, "notary add", "target file for \"" + name + "\" (its hashes and length are staged)");
        }

        @Override void stage(NotaryRepository r, String role, JsonNode c) throws Exception {
            r.stageTarget(name, Files.readAllBytes(file), role, c);
        }

        @Override String staged() {
            return "Addition of target \"" + name + "\" to repository \"" + gun + "\" staged for next publish.";
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Stage the removal of a target.")
    static final class Remove extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Parameters(index = "1", paramLabel = "TARGET") String name;
        @Option(names = {"-r", "--roles"}, description = "delegation role to remove the target from. Default: targets") List<String> roles = new ArrayList<>();
        @Option(names = {"-p", "--publish"}, description = "publish right away") boolean publish;

        @Override public Integer call() throws Exception {
            NotaryRepository r = repo(gun);
            for (String role : roles.isEmpty() ? List.of("targets") : roles) r.stageRemove(name, role);
            out().println("Removal of " + name + " from " + gun + " staged for next publish.");
            if (publish) new Publish().publish(r, out());
            return 0;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, description = "Sign and push the staged changes.")
    static final class Publish extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;

        @Override public Integer call() throws Exception {
            publish(repo(gun), out());
            return 0;
        }

        void publish(NotaryRepository r, PrintStream out) throws Exception {
            out.println("Pushing changes to " + r.gun());
            r.publish();
            out.println("Successfully published changes for repository " + r.gun());
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the trusted targets (name, sha256, size, role).")
    static final class ListTargets extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Option(names = {"-r", "--roles"}, description = "only these roles' targets") List<String> roles = new ArrayList<>();

        @Override public Integer call() throws Exception {
            List<Trusted.Target> ts = new ArrayList<>(repo(gun).updateOrCached().targets(roles));
            PrintStream out = out();
            if (ts.isEmpty()) {
                out.print("\nNo targets present in this repository.\n\n");
                return 0;
            }
            ts.sort(Comparator.comparing(Trusted.Target::name).thenComparing(Trusted.Target::role));
            List<String[]> rows = new ArrayList<>();
            for (Trusted.Target t : ts) rows.add(new String[] {t.name(), t.meta().sha256Hex(), Long.toString(t.meta().length()), t.role()});
            out.print(table(new String[] {"NAME", "DIGEST", "SIZE (BYTES)", "ROLE"}, rows));
            return 0;
        }
    }

    @Command(name = "lookup", mixinStandardHelpOptions = true, description = "Print one target: NAME sha256:DIGEST SIZE.")
    static final class Lookup extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Parameters(index = "1", paramLabel = "TARGET") String name;
        @Option(names = {"-r", "--roles"}, description = "only these roles") List<String> roles = new ArrayList<>();

        @Override public Integer call() throws Exception {
            Trusted.Target t = repo(gun).updateOrCached().target(name, roles);
            if (t == null) throw new IOException("No valid trust data for " + name);
            out().println(t.name() + " sha256:" + t.meta().sha256Hex() + " " + t.meta().length());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check that the payload (stdin or -i) is the trusted target; pass it through unless -q.")
    static final class Verify extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Parameters(index = "1", paramLabel = "TARGET") String name;
        @Option(names = {"-i", "--input"}, description = "payload file. Default: stdin") Path input;
        @Option(names = {"-o", "--output"}, description = "write the payload here. Default: stdout") Path output;
        @Option(names = {"-q", "--quiet"}, description = "print nothing on success") boolean quiet;

        @Override public Integer call() throws Exception {
            byte[] payload;
            try (InputStream in = input == null ? System.in : Files.newInputStream(input)) {
                payload = in.readAllBytes();
            }
            if (payload.length == 0) throw new IOException("verify: no payload to verify (stdin was empty)");
            Trusted.Target t = repo(gun).updateOrCached().target(name, List.of());
            if (t == null) throw new IOException("data not present in the trusted collection, No valid trust data for " + name);
            try {
                t.meta().check(payload, "target " + name);
            } catch (dockyard.notary.tuf.TufException e) {
                throw new IOException("data not present in the trusted collection, " + e.getMessage());
            }
            if (quiet) return 0;
            if (output != null) Files.write(output, payload);
            else {
                System.out.write(payload);
                System.out.flush();
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List the changes staged for the next publish.")
    static final class Status extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;

        @Override public Integer call() throws Exception {
            List<Changelist.Change> cs = repo(gun).changelist().list();
            PrintStream out = out();
            if (cs.isEmpty()) {
                out.println("No unpublished changes for " + gun);
                return 0;
            }
            out.print("Unpublished changes for " + gun + ":\n\n");
            List<String[]> rows = new ArrayList<>();
            for (int i = 0; i < cs.size(); i++) rows.add(new String[] {Integer.toString(i), cs.get(i).action(), cs.get(i).role(), cs.get(i).type(), cs.get(i).path()});
            out.print(table(new String[] {"#", "ACTION", "SCOPE", "TYPE", "PATH"}, rows));
            return 0;
        }
    }

    @Command(name = "addhash", mixinStandardHelpOptions = true, description = "Stage a target by its size and hashes, without the file.")
    static final class AddHash extends StageTarget {
        @Parameters(index = "2", paramLabel = "SIZE") long size;
        @Option(names = "--sha256", description = "hex sha256 of the target") String sha256;
        @Option(names = "--sha512", description = "hex sha512 of the target") String sha512;

        @Override void stage(NotaryRepository r, String role, JsonNode c) throws Exception {
            r.stageTargetHash(name, size, sha256, sha512, role, c);
        }

        @Override String staged() {
            return "Addition of target \"" + name + "\" by sha256 hash to repository \"" + gun + "\" staged for next publish.";
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true, description = "Drop staged changes: --all, or -n N for the numbers `status` shows.")
    static final class Reset extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Option(names = "--all", description = "all staged changes") boolean all;
        @Option(names = {"-n", "--number"}, split = ",", description = "these changes") List<Integer> numbers = new ArrayList<>();

        @Override public Integer call() throws Exception {
            NotaryRepository r = repo(gun);
            if (all) r.changelist().clear();
            else if (!numbers.isEmpty()) r.changelist().remove(numbers);
            else throw new IllegalArgumentException("say which changes: --all or -n N[,N...]");
            out().println("Successfully reset specified changes for repository " + gun);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the local trust data of a repository (and with --remote, the server's).")
    static final class Delete extends Verb {
        @Parameters(index = "0", paramLabel = "GUN") String gun;
        @Option(names = "--remote", description = "also delete it on the server") boolean remote;

        @Override public Integer call() throws Exception {
            out().println("Deleting trust data for repository " + gun);
            repo(gun).delete(remote);
            out().println("Successfully deleted local" + (remote ? " and remote" : "") + " trust data for repository " + gun);
            return 0;
        }
    }

    @Command(name = "key", mixinStandardHelpOptions = true, description = "Operate on keys.", subcommands = {Key.ListKeys.class, Key.Rotate.class, Key.Import.class, Key.Generate.class, Key.RemoveKey.class})
    static final class Key implements Runnable {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(System.out); }

        @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the private keys in the trust directory.")
        static final class ListKeys extends Verb {
            @Override public Integer call() throws Exception {
                KeyRing ring = keyRing();
                List<KeyRing.Entry> es = new ArrayList<>(ring.list());
                PrintStream out = out();
                if (es.isEmpty()) {
                    out.print("\nNo signing keys found.\n\n");
                    return 0;
                }
                es.sort(Comparator.<KeyRing.Entry, Boolean>comparing(e -> !e.role().equals("root")).thenComparing(KeyRing.Entry::gun)
                        .thenComparing(KeyRing.Entry::role).thenComparing(KeyRing.Entry::keyId));
                List<String[]> rows = new ArrayList<>();
                for (KeyRing.Entry e : es) rows.add(new String[] {e.role(), e.gun(), e.keyId(), ring.dir().toAbsolutePath().normalize().toString()});
                out.print("\n" + table(new String[] {"ROLE", "GUN", "KEY ID", "LOCATION"}, rows) + "\n");
                return 0;
            }
        }

        @Command(name = "rotate", mixinStandardHelpOptions = true, description = "Rotate a role's key (root, targets, snapshot; -r puts snapshot or timestamp on the server) and publish the new root.")
        static final class Rotate extends Verb {
            @Parameters(index = "0", paramLabel = "GUN") String gun;
            @Parameters(index = "1", paramLabel = "ROLE") String role;
            @Option(names = {"-r", "--server-managed"}, description = "the server makes and holds the new key") boolean serverManaged;

            @Override public Integer call() throws Exception {
                TufKey k = repo(gun).rotate(role, serverManaged);
                out().println("Successfully rotated " + role + " key for repository " + gun + " (new key " + k.id() + ")");
                return 0;
            }
        }

        @Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate an ECDSA P-256 key for a role, into the trust directory or to PREFIX.pem (public) and PREFIX-key.pem (encrypted private).")
        static final class Generate extends Verb {
            @Parameters(index = "0", arity = "0..1", paramLabel = "ALGORITHM", description = "ecdsa (the only one offered)") String algorithm = "ecdsa";
            @Option(names = {"-r", "--role"}, description = "role the key is for. Default: root") String role = "root";
            @Option(names = {"-o", "--output"}, description = "file prefix instead of the trust directory") String output;

            @Override public Integer call() throws Exception {
                if (!algorithm.equalsIgnoreCase("ecdsa")) throw new IllegalArgumentException("algorithm " + algorithm + " is not offered: use ecdsa");
                dockyard.notary.tuf.Signer k = dockyard.notary.tuf.Signer.ecdsa();
                if (output == null) {
                    keyRing().save(k, role, "");
                } else {
                    var headers = new java.util.LinkedHashMap<String, String>();
                    headers.put("role", role);
                    headers.put("path", k.publicKey().id()); // notary imports an encrypted key only when it names its ID
                    char[] pass = Passphrases.fromEnvironment(System.getenv()).forRole(role, k.publicKey().id(), true);
                    Files.writeString(Path.of(output + "-key.pem"), new dockyard.notary.keys.PrivateKeyFile(k, headers).write(pass));
                    Files.writeString(Path.of(output + ".pem"), dockyard.notary.keys.PrivateKeyFile.Pem.encode("PUBLIC KEY", headers, k.publicKey().publicBytes()));
                }
                out().println("Generated new ecdsa " + role + " key with keyID: " + k.publicKey().id());
                return 0;
            }
        }

        @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete a private key from the trust directory.")
        static final class RemoveKey extends Verb {
            @Parameters(index = "0", paramLabel = "KEYID") String keyId;

            @Override public Integer call() throws Exception {
                if (!keyRing().remove(keyId)) throw new IOException("could not remove " + keyId + ": no such key in " + keyRing().dir());
                out().println("\nDeleted " + keyId + " from " + keyRing().dir() + ".");
                return 0;
            }
        }

        @Command(name = "import", mixinStandardHelpOptions = true, description = "Import PEM private keys (encrypted or not) into the trust directory.")
        static final class Import extends Verb {
            @Parameters(paramLabel = "FILE", arity = "1..*") List<Path> files;
            @Option(names = {"-r", "--role"}, description = "role the key is for (else the file's role header)") String role;
            @Option(names = {"-g", "--gun"}, description = "repository the key is for (else the file's gun header)") String gun;

            @Override public Integer call() throws Exception {
                KeyRing ring = keyRing();
                for (Path f : files) InputFiles.require(f, "notary key import", "private key file (PEM)");
                for (Path f : files) {
                    KeyRing.Entry e = ring.importKey(f, role, gun);
                    if (own.debug || parentGlobals().debug) System.err.println("notary: imported " + f + " as " + e.role() + " key " + e.keyId());
                }
                return 0;
            }
        }
    }

    @Command(name = "delegation", mixinStandardHelpOptions = true, description = "Operate on delegations.",
            subcommands = {Delegation.Add.class, Delegation.ListDelegations.class, Delegation.RemoveDelegation.class})
    static final class Delegation implements Runnable {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(System.out); }

        @Command(name = "add", mixinStandardHelpOptions = true, description = "Stage a delegation to the keys of PEM certificates, for paths.")
        static final class Add extends Verb {
            @Parameters(index = "0", paramLabel = "GUN") String gun;
            @Parameters(index = "1", paramLabel = "ROLE") String role;
            @Parameters(index = "2..*", paramLabel = "CERT") List<Path> certs = new ArrayList<>();
            @Option(names = "--paths", split = ",", description = "path prefixes the role may sign") List<String> paths = new ArrayList<>();
            @Option(names = "--all-paths", description = "the role may sign any path") boolean allPaths;
            @Option(names = {"-p", "--publish"}, description = "publish right away") boolean publish;

            @Override public Integer call() throws Exception {
                List<TufKey> keys = new ArrayList<>();
                for (Path c : certs) {
                    InputFiles.require(c, "notary delegation add", "certificate of a key for " + role + " (PEM)");
                    try {
                        keys.add(Certificates.fromPem(Files.readAllBytes(c)));
                    } catch (IOException e) {
                        throw new IOException(c + ": " + e.getMessage());
                    }
                }
                List<String> p = new ArrayList<>(paths);
                if (allPaths) p = List.of("");
                NotaryRepository r = repo(gun);
                r.stageDelegation(role, keys, p, 0);
                List<String> ids = keys.stream().map(TufKey::id).toList();
                out().println("\nAddition of delegation role " + role + (ids.isEmpty() ? "" : " with keys " + ids) + (p.isEmpty() ? "" : ", with paths " + p)
                        + ", to repository \"" + gun + "\" staged for next publish.\n");
                if (publish) new Publish().publish(r, out());
                return 0;
            }
        }

        @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the delegations (role, paths, key IDs, threshold).")
        static final class ListDelegations extends Verb {
            @Parameters(index = "0", paramLabel = "GUN") String gun;

            @Override public Integer call() throws Exception {
                List<Trusted.Delegation> ds = new ArrayList<>(repo(gun).updateOrCached().delegationList());
                PrintStream out = out();
                out.println();
                if (ds.isEmpty()) {
                    out.print("\nNo delegations present in this repository.\n\n");
                    return 0;
                }
                ds.sort(Comparator.comparing(Trusted.Delegation::name));
                List<String[]> rows = new ArrayList<>();
                for (Trusted.Delegation d : ds) {
                    List<String> paths = d.paths().stream().map(x -> x.isEmpty() ? "\"\" <all paths>" : x).sorted().toList();
                    int n = Math.max(1, Math.max(paths.size(), d.keyIds().size()));
                    for (int i = 0; i < n; i++) {
                        rows.add(new String[] {i == 0 ? d.name() : "", i < paths.size() ? paths.get(i) : "", i < d.keyIds().size() ? d.keyIds().get(i) : "",
                                i == 0 ? Integer.toString(d.threshold()) : ""});
                    }
                }
                out.print(table(new String[] {"ROLE", "PATHS", "KEY IDS", "THRESHOLD"}, rows));
                out.println();
                return 0;
            }
        }

        @Command(name = "remove", mixinStandardHelpOptions = true, description = "Stage the removal of a delegation.")
        static final class RemoveDelegation extends Verb {
            @Parameters(index = "0", paramLabel = "GUN") String gun;
            @Parameters(index = "1", paramLabel = "ROLE") String role;
            @Option(names = {"-y", "--yes"}, description = "do not ask") boolean yes;
            @Option(names = {"-p", "--publish"}, description = "publish right away") boolean publish;

            @Override public Integer call() throws Exception {
                // notary asks before it stages the removal of a whole role (its keys and paths), unless -y
                if (!yes) {
                    out().println("\nAre you sure you want to remove all data for this delegation? (yes/no)");
                    out().flush();
                    if (!confirmed(System.in)) {
                        out().println("* fatal: Aborting action.");
                        return 1;
                    }
                }
                NotaryRepository r = repo(gun);
                r.stageDelegationRemoval(role);
                out().println("\nForced removal (including all keys and paths) of delegation role " + role + " to repository \"" + gun + "\" staged for next publish.\n");
                if (publish) new Publish().publish(r, out());
                return 0;
            }
        }
    }

    /** notary's askConfirm: one line of input, "y" or "yes" in any case, surrounding blanks ignored; anything else (or nothing) is no. */
    static boolean confirmed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) line.write(b); // byte by byte: input after the answer is not ours to consume
        String answer = line.toString(java.nio.charset.StandardCharsets.UTF_8).strip().toLowerCase(java.util.Locale.ROOT);
        return answer.equals("y") || answer.equals("yes");
    }

    /**
     * The AOT training run's notary part: a repository published to an in-memory server and read
     * back through the CLI's own list, so the key, JSON, HTTP and TLS-free client classes are in
     * the cache a client verb starts from.
     */
    static void train(Path dir) throws Exception {
        try (var server = dockyard.notary.server.NotaryServer.start(new java.net.InetSocketAddress("127.0.0.1", 0))) {
            URI uri = URI.create("http://127.0.0.1:" + server.port());
            String gun = "example.com/aot";
            NotaryRepository r = new NotaryRepository(dir.resolve("trust"), gun, new NotaryRemote(uri, gun), Passphrases.fixed("aot"), Clock.systemUTC(), m -> {});
            r.init();
            r.stageTarget("t", "training".getBytes(), "targets", null);
            r.publish();
            Main.run("notary", "-s", uri.toString(), "-d", dir.resolve("trust").toString(), "list", gun);
            Main.run("notary", "-s", uri.toString(), "-d", dir.resolve("trust").toString(), "lookup", gun, "t");
        }
    }

    /** Go's text/tabwriter as notary sets it up (min width 4, padding 4, spaces): columns as wide as their widest cell plus 4; the last cell unpadded. */
    static String table(String[] header, List<String[]> rows) {
        List<String[]> all = new ArrayList<>();
        all.add(header);
        String[] dashes = new String[header.length];
        for (int i = 0; i < header.length; i++) dashes[i] = "-".repeat(header[i].length());
        all.add(dashes);
        all.addAll(rows);
        int[] width = new int[header.length];
        for (String[] r : all) for (int i = 0; i < r.length - 1; i++) width[i] = Math.max(width[i], Math.max(4, r[i].codePointCount(0, r[i].length()) + 4));
        StringBuilder s = new StringBuilder();
        for (String[] r : all) {
            for (int i = 0; i < r.length - 1; i++) s.append(r[i]).append(" ".repeat(width[i] - r[i].codePointCount(0, r[i].length())));
            s.append(r[r.length - 1]).append('\n');
        }
        return s.toString();
    }
}
