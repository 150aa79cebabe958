package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.data.TinyPair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random mutations of a valid run config through the CLI's own entry point ({@code vlmd distill
 * --dry-run}, so nothing trains and the exit code is the real one): a number made negative, zero,
 * huge, fractional, NaN, {@code 1e999}, a string, a boolean, a list or an object; a key written twice;
 * a field dropped; an unknown field added. Each must give exit 0 (a config still valid) or exit 2
 * naming the mutated field, never 1 and never a stack trace; a mutation no config may hold (a
 * non-finite number, a value of the wrong type, a negative number but the seed, a duplicate or
 * unknown key) must give 2. Seeds are fresh each run and printed in
 * every failure; {@code -Dvlmd.fuzz.seed=N} repeats one.
 */
class RunConfigFuzzTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MUTATIONS = 150;
    /** Raw JSON tokens standing in for values Jackson would not write (NaN, 1e999, a second key). */
    static final String RAW = "@@raw:";

    @TempDir
    static Path tmp;
    static TinyPair pair;

    @BeforeAll
    static void models() throws IOException {
        pair = TinyPair.create(tmp, 13, 12);
        pair.close();
    }

    /** A valid config with every number it can hold written out. */
    static ObjectNode base() {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", pair.data.toString());
        c.put("output", tmp.resolve("never-written").toString());
        c.put("seed", 3);
        c.put("epochs", 1);
        c.put("max_steps", 4);
        c.put("batch_size", 4);
        c.put("gradient_accumulation_steps", 1);
        c.put("max_tokens", 2048);
        ObjectNode loss = c.putObject("loss").put("name", "taid").put("t_start", 0.4).put("t_end", 1.0)
                .put("alpha", 5e-4).put("beta", 0.99).put("adaptive", true).put("chunk_size", 64);
        loss.put("distil_ratio", 0.9);
        ObjectNode o = c.putObject("optimizer");
        o.putObject("lr").put("type", "wsd").put("peak", 1e-4).put("warmup_steps", 1).put("decay_fraction", 0.2)
                .put("min_ratio", 0.1);
        o.put("beta1", 0.9).put("beta2", 0.999).put("eps", 1e-8).put("weight_decay", 0.01).put("max_grad_norm", 1.0);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 2).put("keep", 2);
        c.put("max_bad_steps", 3);
        c.put("prefetch", 1);
        return c;
    }

    static final String[] REPLACEMENTS = {
        "negate", "-1", "0", "0.5", "1e300", "99999999999999999999", "9223372036854775807", RAW + "NaN",
        RAW + "1e999", RAW + "-1e999", RAW + "Infinity", "\"12\"", "true", "[]", "{}"};

    /** Replacements no number of a run config may take. */
    static final List<String> NEVER_VALID = List.of(RAW + "NaN", RAW + "1e999", RAW + "-1e999", RAW + "Infinity",
            "\"12\"", "true", "[]", "{}");

    /**
     * One mutation: what it did, the dotted path the error must name, the config text, and whether it
     * must be refused (else it may still be valid).
     */
    record Mutation(String what, String path, String text, boolean mustRefuse) {
    }

    @Test
    void randomMutationsExitZeroOrTwoNamingTheFieldNeverOneNeverATrace() throws IOException {
        long seed = Long.getLong("vlmd.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < MUTATIONS; i++) {
            Mutation m = mutate(base(), random);
            Path file = tmp.resolve("fuzz-" + i + ".json");
            Files.writeString(file, m.text());
            CliRun r = CliRun.run("distill", "--config", file.toString(), "--dry-run");
            String where = "mutation " + i + " of seed " + seed + " (" + m.what() + "):\n" + m.text() + "\nexit "
                    + r.code() + "\n" + r.err();
            assertTrue(r.code() == 0 || r.code() == 2, where);
            assertTrue(!m.mustRefuse() || r.code() == 2, "accepted: " + where);
            for (String printed : List.of(r.out(), r.err())) {
                assertFalse(printed.contains("\tat ") || printed.contains("Exception"), "a stack trace: " + where);
            }
            if (r.code() == 2) {
                // the path as a whole name: loss.t_end in "loss.t_end: ..." or "loss.t_start, loss.t_end: ..."
                assertTrue(Pattern.compile("(?<![\\w.])" + Pattern.quote(m.path()) + "[:.,]").matcher(r.err()).find(),
                        "'" + m.path() + "' is not named: " + where);
            }
            outcomes.merge(m.what().replaceAll(" .*", "") + " -> " + r.code(), 1, Integer::sum);
        }
        System.out.println("run-config fuzz, seed " + seed + ": " + outcomes);
        assertEquals(MUTATIONS, outcomes.values().stream().mapToInt(Integer::intValue).sum());
    }

    static Mutation mutate(ObjectNode c, Random random) throws IOException {
        List<List<String>> numbers = new ArrayList<>();
        List<List<String>> objects = new ArrayList<>();
        List<List<String>> fields = new ArrayList<>();
        walk(c, new ArrayList<>(), numbers, objects, fields);
        switch (random.nextInt(4)) {
            case 0, 1 -> { // numbers are the surface under test: half of all mutations
                List<String> at = numbers.get(random.nextInt(numbers.size()));
                String r = REPLACEMENTS[random.nextInt(REPLACEMENTS.length)];
                ObjectNode parent = parent(c, at);
                String key = at.getLast();
                JsonNode old = parent.get(key);
                if (r.equals("negate")) {
                    r = old.isIntegralNumber() ? String.valueOf(-old.asLong() - 1) : String.valueOf(-old.asDouble() - 1e-3);
                }
                boolean refuse = NEVER_VALID.contains(r) || (r.startsWith("-") && !key.equals("seed"));
                parent.put(key, RAW + r);
                return new Mutation("number " + dotted(at) + " = " + r.replace(RAW, ""), dotted(at), text(c), refuse);
            }
            case 2 -> {
                List<String> at = fields.get(random.nextInt(fields.size()));
                if (random.nextBoolean()) {
                    parent(c, at).remove(at.getLast());
                    return new Mutation("drop " + dotted(at), dotted(at), text(c), false);
                }
                // the key written twice: first a placeholder, renamed in the text
                ObjectNode parent = parent(c, at);
                JsonNode value = parent.get(at.getLast());
                ObjectNode copy = JSON.createObjectNode();
                copy.set("@@dup@@", value);
                copy.setAll(parent);
                parent.removeAll();
                parent.setAll(copy);
                String text = text(c).replace("\"@@dup@@\"", JSON.writeValueAsString(at.getLast()));
                return new Mutation("duplicate " + dotted(at), dotted(at), text, true);
            }
            default -> {
                List<String> at = new ArrayList<>(objects.get(random.nextInt(objects.size())));
                ObjectNode target = at.isEmpty() ? c : (ObjectNode) parent(c, at).get(at.getLast());
                at.add("zz_unknown");
                target.put("zz_unknown", random.nextInt(100));
                return new Mutation("unknown " + dotted(at), dotted(at), text(c), true);
            }
        }
    }

    private static void walk(JsonNode n, List<String> path, List<List<String>> numbers, List<List<String>> objects,
                             List<List<String>> fields) {
        if (n.isObject()) {
            objects.add(List.copyOf(path));
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                List<String> p = new ArrayList<>(path);
                p.add(e.getKey());
                fields.add(List.copyOf(p));
                walk(e.getValue(), p, numbers, objects, fields);
            }
        } else if (n.isNumber()) {
            numbers.add(List.copyOf(path));
        }
    }

    private static ObjectNode parent(ObjectNode c, List<String> path) {
        ObjectNode n = c;
        for (String k : path.subList(0, path.size() - 1)) {
            n = (ObjectNode) n.get(k);
        }
        return n;
    }

    private static String dotted(List<String> path) {
        return String.join(".", path);
    }

    /** The config as JSON, with raw tokens unquoted. */
    private static String text(ObjectNode c) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c)
                .replaceAll("\"" + RAW + "((?:[^\"\\\\]|\\\\.)*)\"", "$1").replace("\\\"", "\"");
    }
}
