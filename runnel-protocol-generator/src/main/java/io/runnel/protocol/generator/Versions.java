package io.runnel.protocol.generator;

/** An inclusive version range; {@code hi == Integer.MAX_VALUE} means open-ended, lo > hi means empty. */
record Versions(int lo, int hi) {
    static final Versions NONE = new Versions(1, 0);
    static final int OPEN = Integer.MAX_VALUE;

    static Versions parse(String s) {
        if (s.equals("none")) return NONE;
        try {
            if (s.endsWith("+")) return new Versions(Integer.parseInt(s.substring(0, s.length() - 1)), OPEN);
            int dash = s.indexOf('-');
            if (dash > 0) return new Versions(Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1)));
            int v = Integer.parseInt(s);
            return new Versions(v, v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a version range: '" + s + "' (use 0+, 3-7, 5 or none)");
        }
    }

    boolean isEmpty() {
        return lo > hi;
    }

    boolean contains(int v) {
        return v >= lo && v <= hi;
    }

    boolean containsAll(Versions o) {
        return o.isEmpty() || (!isEmpty() && o.lo >= lo && o.hi <= hi);
    }

    Versions intersect(Versions o) {
        Versions r = new Versions(Math.max(lo, o.lo), Math.min(hi, o.hi));
        return r.isEmpty() ? NONE : r;
    }

    /**
     * A Java condition on {@code var} that is true for versions in this range, simplified against the
     * versions the enclosing message supports.
     */
    String condition(String var, Versions supported) {
        Versions r = intersect(supported);
        if (r.isEmpty()) return "false";
        boolean needLo = r.lo > supported.lo;
        boolean needHi = r.hi < supported.hi;
        if (!needLo && !needHi) return "true";
        if (needLo && needHi) {
            return r.lo == r.hi ? var + " == " + r.lo : "(" + var + " >= " + r.lo + " && " + var + " <= " + r.hi + ")";
        }
        return needLo ? var + " >= " + r.lo : var + " <= " + r.hi;
    }

    @Override
    public String toString() {
        if (isEmpty()) return "none";
        if (hi == OPEN) return lo + "+";
        return lo == hi ? Integer.toString(lo) : lo + "-" + hi;
    }
}
