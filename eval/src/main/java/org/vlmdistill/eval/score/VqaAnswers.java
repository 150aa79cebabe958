package org.vlmdistill.eval.score;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * VQA accuracy: the official VQA evaluation ({@code vqaEval.py} of GT-Vision-Lab/VQA, the same code
 * VLMEvalKit runs for VQAv2 and TextVQA).
 *
 * <p>{@link #normalize}: newlines and tabs become spaces, the text is stripped, then
 * <ol>
 *   <li>{@code processPunctuation}: each of {@code ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? !} is
 *       deleted when it touches a space somewhere in the text ({@code "p "} or {@code " p"} occurs) or
 *       when the text holds a digit-comma-digit anywhere ({@code "3,000"}), and otherwise replaced by a
 *       space ({@code "red,blue"} -> {@code "red blue"}). The test looks at the original text, once per
 *       mark, so {@code "red,blue 3,000"} becomes {@code "redblue 3000"}. Then periods not followed by a
 *       digit are deleted ({@code "3.5"} keeps its period); the official code passes {@code re.UNICODE}
 *       where {@code re.sub} takes its count, so only the first 32 such periods go.</li>
 *   <li>{@code processDigitArticle}: lower-cased and split on white space, number words
 *       {@code none, zero ... ten} become digits, the articles {@code a, an, the} are dropped, and
 *       apostrophe-less contractions get their apostrophe back ({@code dont} -> {@code don't}); the
 *       words are joined by single spaces. The table's capitalised keys ({@code Im}, {@code Ive}) never
 *       match after lower-casing; they are kept as in the official table.</li>
 * </ol>
 *
 * <p>{@link #accuracy}: with the prediction and the references normalized,
 * <ul>
 *   <li>ten references (VQAv2, TextVQA): {@code acc = mean over i of min(1, #{j != i : ref_j == pred} / 3)}
 *      : each annotator is left out in turn, so three matching annotators give 0.9, not 1;</li>
 *   <li>any other number: 1 if the prediction equals some reference, else 0 (the leave-one-out mean
 *       with fewer than four references could never reach 1).</li>
 * </ul>
 * The official script normalizes only the prediction fully, because the released annotation files hold
 * answers already normalized; references here come from arbitrary files, so both sides are normalized,
 * as VLMEvalKit does ({@code process_answer} on every reference).
 */
public final class VqaAnswers {
    private static final List<String> PUNCT = List.of(
            ";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!");
    // Python 3's \d matches every Unicode decimal digit; Java's only 0-9 unless told.
    private static final Pattern COMMA_STRIP = Pattern.compile("(\\d)(,)(\\d)", Pattern.UNICODE_CHARACTER_CLASS);
    // "(?!<=\d)" is a typo for a look-behind in the official code; as written it is a look-ahead that
    // always holds before a '.', so the pattern is "a period not followed by a digit". Java reads it the same.
    private static final Pattern PERIOD_STRIP = Pattern.compile("(?!<=\\d)(\\.)(?!\\d)", Pattern.UNICODE_CHARACTER_CLASS);
    // re.UNICODE == 32, passed positionally as re.sub's count.
    private static final int PERIOD_STRIP_COUNT = 32;
    private static final int VQA_ANNOTATORS = 10;
    private static final double MATCHES_FOR_FULL_CREDIT = 3.0;

    private static final Map<String, String> MANUAL_MAP = Map.ofEntries(
            Map.entry("none", "0"), Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"),
            Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"),
            Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));
    private static final List<String> ARTICLES = List.of("a", "an", "the");
    private static final Map<String, String> CONTRACTIONS = Map.ofEntries(
            Map.entry("aint", "ain't"), Map.entry("arent", "aren't"), Map.entry("cant", "can't"),
            Map.entry("couldve", "could've"), Map.entry("couldnt", "couldn't"), Map.entry("couldn'tve", "couldn't've"),
            Map.entry("couldnt've", "couldn't've"), Map.entry("didnt", "didn't"), Map.entry("doesnt", "doesn't"),
            Map.entry("dont", "don't"), Map.entry("hadnt", "hadn't"), Map.entry("hadnt've", "hadn't've"),
            Map.entry("hadn'tve", "hadn't've"), Map.entry("hasnt", "hasn't"), Map.entry("havent", "haven't"),
            Map.entry("hed", "he'd"), Map.entry("hed've", "he'd've"), Map.entry("he'dve", "he'd've"),
            Map.entry("hes", "he's"), Map.entry("howd", "how'd"), Map.entry("howll", "how'll"),
            Map.entry("hows", "how's"), Map.entry("Id've", "I'd've"), Map.entry("I'dve", "I'd've"),
            Map.entry("Im", "I'm"), Map.entry("Ive", "I've"), Map.entry("isnt", "isn't"),
            Map.entry("itd", "it'd"), Map.entry("itd've", "it'd've"), Map.entry("it'dve", "it'd've"),
            Map.entry("itll", "it'll"), Map.entry("let's", "let's"), Map.entry("maam", "ma'am"),
            Map.entry("mightnt", "mightn't"), Map.entry("mightnt've", "mightn't've"), Map.entry("mightn'tve", "mightn't've"),
            Map.entry("mightve", "might've"), Map.entry("mustnt", "mustn't"), Map.entry("mustve", "must've"),
            Map.entry("neednt", "needn't"), Map.entry("notve", "not've"), Map.entry("oclock", "o'clock"),
            Map.entry("oughtnt", "oughtn't"), Map.entry("ow's'at", "'ow's'at"), Map.entry("'ows'at", "'ow's'at"),
            Map.entry("'ow'sat", "'ow's'at"), Map.entry("shant", "shan't"), Map.entry("shed've", "she'd've"),
            Map.entry("she'dve", "she'd've"), Map.entry("she's", "she's"), Map.entry("shouldve", "should've"),
            Map.entry("shouldnt", "shouldn't"), Map.entry("shouldnt've", "shouldn't've"), Map.entry("shouldn'tve", "shouldn't've"),
            Map.entry("somebody'd", "somebodyd"), Map.entry("somebodyd've", "somebody'd've"), Map.entry("somebody'dve", "somebody'd've"),
            Map.entry("somebodyll", "somebody'll"), Map.entry("somebodys", "somebody's"), Map.entry("someoned", "someone'd"),
            Map.entry("someoned've", "someone'd've"), Map.entry("someone'dve", "someone'd've"), Map.entry("someonell", "someone'll"),
            Map.entry("someones", "someone's"), Map.entry("somethingd", "something'd"), Map.entry("somethingd've", "something'd've"),
            Map.entry("something'dve", "something'd've"), Map.entry("somethingll", "something'll"), Map.entry("thats", "that's"),
            Map.entry("thered", "there'd"), Map.entry("thered've", "there'd've"), Map.entry("there'dve", "there'd've"),
            Map.entry("therere", "there're"), Map.entry("theres", "there's"), Map.entry("theyd", "they'd"),
            Map.entry("theyd've", "they'd've"), Map.entry("they'dve", "they'd've"), Map.entry("theyll", "they'll"),
            Map.entry("theyre", "they're"), Map.entry("theyve", "they've"), Map.entry("twas", "'twas"),
            Map.entry("wasnt", "wasn't"), Map.entry("wed've", "we'd've"), Map.entry("we'dve", "we'd've"),
            Map.entry("weve", "we've"), Map.entry("werent", "weren't"), Map.entry("whatll", "what'll"),
            Map.entry("whatre", "what're"), Map.entry("whats", "what's"), Map.entry("whatve", "what've"),
            Map.entry("whens", "when's"), Map.entry("whered", "where'd"), Map.entry("wheres", "where's"),
            Map.entry("whereve", "where've"), Map.entry("whod", "who'd"), Map.entry("whod've", "who'd've"),
            Map.entry("who'dve", "who'd've"), Map.entry("wholl", "who'll"), Map.entry("whos", "who's"),
            Map.entry("whove", "who've"), Map.entry("whyll", "why'll"), Map.entry("whyre", "why're"),
            Map.entry("whys", "why's"), Map.entry("wont", "won't"), Map.entry("wouldve", "would've"),
            Map.entry("wouldnt", "wouldn't"), Map.entry("wouldnt've", "wouldn't've"), Map.entry("wouldn'tve", "wouldn't've"),
            Map.entry("yall", "y'all"), Map.entry("yall'll", "y'all'll"), Map.entry("y'allll", "y'all'll"),
            Map.entry("yall'd've", "y'all'd've"), Map.entry("y'alld've", "y'all'd've"), Map.entry("y'all'dve", "y'all'd've"),
            Map.entry("youd", "you'd"), Map.entry("youd've", "you'd've"), Map.entry("you'dve", "you'd've"),
            Map.entry("youll", "you'll"), Map.entry("youre", "you're"), Map.entry("youve", "you've")
    );

    private VqaAnswers() {
    }

    /** The official answer normalization: punctuation, then number words, articles and contractions. */
    public static String normalize(String answer) {
        Objects.requireNonNull(answer, "answer");
        String a = PythonText.strip(answer.replace('\n', ' ').replace('\t', ' '));
        return processDigitArticle(processPunctuation(a));
    }

    /**
     * VQA accuracy of one prediction in [0, 1]: the leave-one-annotator-out mean over ten references,
     * else exact match against any reference.
     */
    public static double accuracy(String prediction, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("no reference answers");
        }
        String pred = normalize(prediction);
        List<String> refs = references.stream().map(VqaAnswers::normalize).toList();
        if (refs.size() != VQA_ANNOTATORS) {
            return refs.contains(pred) ? 1.0 : 0.0;
        }
        double sum = 0;
        for (int i = 0; i < refs.size(); i++) {
            int matches = 0;
            for (int j = 0; j < refs.size(); j++) {
                if (j != i && refs.get(j).equals(pred)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / MATCHES_FOR_FULL_CREDIT);
        }
        return sum / refs.size();
    }

    static String processPunctuation(String inText) {
        boolean digitComma = COMMA_STRIP.matcher(inText).find();
        String out = inText;
        for (String p : PUNCT) {
            boolean touchesSpace = inText.contains(p + " ") || inText.contains(" " + p);
            out = out.replace(p, touchesSpace || digitComma ? "" : " ");
        }
        Matcher m = PERIOD_STRIP.matcher(out);
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < PERIOD_STRIP_COUNT && m.find(); n++) {
            m.appendReplacement(sb, "");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String processDigitArticle(String inText) {
        List<String> out = new ArrayList<>();
        for (String word : PythonText.split(PythonText.lower(inText))) {
            String w = MANUAL_MAP.getOrDefault(word, word);
            if (!ARTICLES.contains(w)) {
                out.add(CONTRACTIONS.getOrDefault(w, w));
            }
        }
        return String.join(" ", out);
    }
}
