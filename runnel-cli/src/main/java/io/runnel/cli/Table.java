package io.runnel.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A text table: left-aligned columns as wide as their widest cell, separated by a space. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... headers) {
        columns = headers.length;
        rows.add(headers.clone());
    }

    Table row(Object... cells) {
        if (cells.length != columns) throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) r[i] = cells[i] == null ? "-" : cells[i].toString();
        rows.add(r);
        return this;
    }

    int size() {
        return rows.size() - 1;
    }

    void print(PrintWriter out) {
        int[] widths = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) widths[i] = Math.max(widths[i], r[i].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.setLength(0);
            for (int i = 0; i < columns; i++) {
                sb.append(r[i]);
                if (i < columns - 1) sb.append(" ".repeat(widths[i] - r[i].length() + 1));
            }
            out.println(sb);
        }
    }
}
