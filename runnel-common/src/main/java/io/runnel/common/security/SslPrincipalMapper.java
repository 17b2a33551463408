package io.runnel.common.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Maps the distinguished name of a client certificate (RFC 2253, as {@code X500Principal.getName()} gives it) to a
 * user name with Kafka's {@code ssl.principal.mapping.rules}: a comma-separated list of rules tried in order, the
 * first that applies wins.
 * <ul>
 *   <li>{@code DEFAULT}: the name unchanged;</li>
 *   <li>{@code RULE:pattern/replacement/} with an optional {@code L} (lower case) or {@code U} (upper case) after the
 *   last slash: applies when the regular expression matches the whole name, which becomes the replacement
 *   ({@code $1}... refer to the pattern's groups). A slash inside pattern or replacement is written {@code \/}.</li>
 * </ul>
 * When no rule applies the connection has no principal (Kafka fails the authentication): {@link #map} throws
 * {@link NoMatchingRuleException}. Immutable and thread-safe.
 */
public final class SslPrincipalMapper {
    /** Thrown by {@link #map} when no rule applies to a name. */
    public static final class NoMatchingRuleException extends Exception {
        NoMatchingRuleException(String message) {
            super(message);
        }
    }

    private record Rule(Pattern pattern, String replacement, char caseChange) {
        /** The mapped name, or null when this rule does not apply. */
        String apply(String dn) {
            if (pattern == null) return dn;
            Matcher m = pattern.matcher(dn);
            if (!m.matches()) return null;
            StringBuilder out = new StringBuilder();
            m.appendReplacement(out, replacement);
            String name = out.toString();
            return switch (caseChange) {
                case 'L' -> name.toLowerCase(Locale.ROOT);
                case 'U' -> name.toUpperCase(Locale.ROOT);
                default -> name;
            };
        }
    }

    private final List<Rule> rules;
    private final String text;

    private SslPrincipalMapper(List<Rule> rules, String text) {
        this.rules = rules;
        this.text = text;
    }

    /**
     * Parses the rules.
     *
     * @throws IllegalArgumentException saying what is wrong where
     */
    public static SslPrincipalMapper parse(String rulesText) {
        String s = rulesText == null ? "DEFAULT" : rulesText;
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ',')) i++;
            if (i >= n) break;
            if (s.startsWith("DEFAULT", i)) {
                rules.add(new Rule(null, null, ' '));
                i += "DEFAULT".length();
            } else if (s.startsWith("RULE:", i)) {
                int start = i;
                i += "RULE:".length();
                StringBuilder pattern = new StringBuilder();
                i = until(s, i, pattern, start);
                StringBuilder replacement = new StringBuilder();
                i = until(s, i, replacement, start);
                char caseChange = ' ';
                if (i < n && (s.charAt(i) == 'L' || s.charAt(i) == 'U')) caseChange = s.charAt(i++);
                Pattern p;
                try {
                    p = Pattern.compile(pattern.toString());
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("bad regular expression in rule " + s.substring(start, i) + ": "
                            + e.getDescription());
                }
                rules.add(new Rule(p, replacement.toString(), caseChange));
            } else {
                throw new IllegalArgumentException("expected DEFAULT or RULE:pattern/replacement/[L|U] at position " + i
                        + " but found '" + s.substring(i, Math.min(n, i + 20)) + "'");
            }
            while (i < n && Character.isWhitespace(s.charAt(i))) i++;
            if (i < n && s.charAt(i) != ',') {
                throw new IllegalArgumentException("expected ',' between rules at position " + i + " but found '"
                        + s.substring(i, Math.min(n, i + 20)) + "'");
            }
        }
        if (rules.isEmpty()) throw new IllegalArgumentException("no rules (use DEFAULT to keep names unchanged)");
        return new SslPrincipalMapper(List.copyOf(rules), s);
    }

    /** Reads up to the next unescaped '/', unescaping "\/"; returns the index after the slash. */
    private static int until(String s, int i, StringBuilder out, int ruleStart) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                out.append('/');
                i += 2;
            } else if (c == '/') {
                return i + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        throw new IllegalArgumentException("rule starting at position " + ruleStart
                + " is not of the form RULE:pattern/replacement/[L|U]");
    }

    /**
     * The user name for a distinguished name.
     *
     * @throws NoMatchingRuleException when no rule applies
     */
    public String map(String distinguishedName) throws NoMatchingRuleException {
        for (Rule r : rules) {
            String name = r.apply(distinguishedName);
            if (name != null) return name;
        }
        throw new NoMatchingRuleException("No rule of ssl.principal.mapping.rules (" + text + ") applies to " + distinguishedName);
    }

    @Override
    public String toString() {
        return text;
    }
}
