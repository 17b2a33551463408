package io.runnel.protocol.generator;

/** A tiny indenting source writer. */
final class JavaWriter {
    private final StringBuilder sb = new StringBuilder();
    private int indent;

    JavaWriter line(String s) {
        if (!s.isEmpty()) sb.append("    ".repeat(indent)).append(s);
        sb.append('\n');
        return this;
    }

    JavaWriter open(String s) {
        line(s + " {");
        indent++;
        return this;
    }

    JavaWriter close() {
        indent--;
        return line("}");
    }

    /** Closes a block with custom text, e.g. "});". */
    JavaWriter closeWith(String s) {
        indent--;
        return line(s);
    }

    /** Closes a block and opens the next one on the same line, e.g. "} else {". */
    JavaWriter closeOpen(String s) {
        indent--;
        line("} " + s + " {");
        indent++;
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
