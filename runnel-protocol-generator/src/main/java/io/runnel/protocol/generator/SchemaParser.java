package io.runnel.protocol.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses one .api file (see docs/protocol-schema.md). Errors name the file and line.
 */
final class SchemaParser {
    static final Set<String> PRIMITIVES = Set.of("bool", "int8", "int16", "uint16", "int32", "uint32", "int64",
            "float64", "uuid", "string", "bytes", "records");

    private final String fileName;
    private final Schema.File file;
    private int lineNo;

    // current top-level block
    private Schema.Api api;
    private Schema.TopLevel message;
    private Schema.Struct commonStruct;
    /** stack.get(i) receives fields at indent level i + 1. */
    private final List<Schema.Struct> stack = new ArrayList<>();

    private SchemaParser(String fileName) {
        this.fileName = fileName;
        this.file = new Schema.File(fileName);
    }

    static Schema.File parse(String fileName, List<String> lines) {
        SchemaParser p = new SchemaParser(fileName);
        for (String raw : lines) {
            p.lineNo++;
            p.line(raw);
        }
        p.finishBlock();
        p.resolve();
        return p.file;
    }

    private IllegalArgumentException error(String msg) {
        return new IllegalArgumentException(fileName + ":" + lineNo + ": " + msg);
    }

    private String where() {
        return fileName + ":" + lineNo;
    }

    private void line(String raw) {
        String text = stripComment(raw);
        if (text.isBlank()) return;
        int spaces = 0;
        while (spaces < text.length() && text.charAt(spaces) == ' ') spaces++;
        if (text.indexOf('\t') >= 0) throw error("tabs are not allowed; indent with 2 spaces");
        if (spaces % 2 != 0) throw error("indentation must be a multiple of 2 spaces");
        int indent = spaces / 2;
        List<String> tokens = tokenize(text.trim());
        if (indent == 0) {
            topLevel(tokens);
        } else {
            field(indent, tokens);
        }
    }

    private static String stripComment(String raw) {
        boolean quoted = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '"') quoted = !quoted;
            if (c == '#' && !quoted) return raw.substring(0, i).stripTrailing();
        }
        return raw.stripTrailing();
    }

    private List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"') {
                int end = s.indexOf('"', i + 1);
                if (end < 0) throw error("unterminated string");
                out.add(s.substring(i, end + 1));
                i = end + 1;
            } else {
                int end = s.indexOf(' ', i);
                if (end < 0) end = s.length();
                out.add(s.substring(i, end));
                i = end;
            }
        }
        return out;
    }

    private void topLevel(List<String> t) {
        String kw = t.get(0);
        switch (kw) {
            case "api" -> {
                finishBlock();
                expect(t, 3, "api <key> <Name>");
                api = new Schema.Api();
                api.key = parseInt(t.get(1));
                api.name = t.get(2);
            }
            case "message" -> {
                finishBlock();
                expect(t, 2, "message <Name>");
                message = new Schema.TopLevel();
                message.className = t.get(1);
                message.where = where();
            }
            case "struct" -> {
                finishBlock();
                expect(t, 2, "struct <Name>");
                commonStruct = new Schema.Struct(t.get(1), where());
                if (file.commonStructs.put(commonStruct.name, commonStruct) != null) throw error("struct " + commonStruct.name + " defined twice");
                stack.clear();
                stack.add(commonStruct);
            }
            case "versions" -> {
                expect(t, 2, "versions <range>");
                Versions v = parse(t.get(1));
                if (api != null) api.versions = v;
                else if (message != null) message.versions = v;
                else throw error("'versions' outside an api or message");
            }
            case "advertised" -> {
                expect(t, 2, "advertised <range>");
                if (api == null) throw error("'advertised' outside an api");
                if (api.versions == null) throw error("an api needs 'versions' before 'advertised'");
                Versions v = parse(t.get(1));
                if (v.hi() != api.versions.hi() || !v.containsAll(api.versions)) {
                    throw error("advertised " + t.get(1) + " must end where the versions end and contain them all");
                }
                api.advertised = v;
            }
            case "flexible" -> {
                expect(t, 2, "flexible <range>|none");
                Versions v = parse(t.get(1));
                if (api != null) api.flexible = v;
                else if (message != null) message.flexible = v;
                else throw error("'flexible' outside an api or message");
            }
            case "type" -> {
                expect(t, 2, "type <id>");
                if (message == null) throw error("'type' outside a message");
                message.typeId = parseInt(t.get(1));
            }
            case "request", "response" -> {
                expect(t, 1, kw);
                if (api == null) throw error("'" + kw + "' outside an api");
                if (api.versions == null || api.flexible == null) throw error("an api needs 'versions' and 'flexible' before its " + kw);
                Schema.TopLevel top = new Schema.TopLevel();
                top.className = api.name + (kw.equals("request") ? "Request" : "Response");
                top.apiKey = api.key;
                top.versions = api.versions;
                top.flexible = api.flexible;
                top.body = new Schema.Struct(top.className, where());
                top.where = where();
                if (kw.equals("request")) {
                    if (api.request != null) throw error("two request sections");
                    api.request = top;
                } else {
                    if (api.response != null) throw error("two response sections");
                    api.response = top;
                }
                stack.clear();
                stack.add(top.body);
            }
            case "fields" -> {
                expect(t, 1, "fields");
                if (message == null) throw error("'fields' outside a message");
                if (message.versions == null || message.flexible == null) throw error("a message needs 'versions' and 'flexible' before its fields");
                message.body = new Schema.Struct(message.className, where());
                stack.clear();
                stack.add(message.body);
            }
            default -> throw error("unknown keyword '" + kw + "'");
        }
    }

    private void finishBlock() {
        if (api != null) {
            if (api.request == null || api.response == null) throw error("api " + api.name + " needs a request and a response section");
            file.apis.add(api);
        }
        if (message != null) {
            if (message.body == null) throw error("message " + message.className + " has no fields section");
            file.messages.add(message);
        }
        api = null;
        message = null;
        commonStruct = null;
        stack.clear();
    }

    private void field(int indent, List<String> t) {
        if (stack.isEmpty()) throw error("a field outside any request, response, fields or struct section");
        if (indent > stack.size()) throw error("indented too deep: the field above is not a struct");
        while (stack.size() > indent) stack.remove(stack.size() - 1);
        Schema.Struct target = stack.get(indent - 1);
        if (target == null) throw error("indented too deep: the field above is not a struct");
        if (t.size() < 3) throw error("a field needs: <name> <type> <versions> [nullable <versions>] [default <value>] [tag <n>]");
        Schema.Field f = new Schema.Field();
        f.where = where();
        f.name = t.get(0);
        f.type = t.get(1);
        f.versions = parse(t.get(2));
        if (!Character.isLowerCase(f.name.charAt(0)) || !f.name.matches("[A-Za-z0-9]+")) throw error("field name '" + f.name + "' must be camelCase");
        for (int i = 3; i < t.size(); i += 2) {
            if (i + 1 >= t.size()) throw error("option '" + t.get(i) + "' needs a value");
            String opt = t.get(i), val = t.get(i + 1);
            switch (opt) {
                case "nullable" -> f.nullable = parse(val);
                case "default" -> f.defaultValue = val;
                case "tag" -> f.tag = parseInt(val);
                default -> throw error("unknown field option '" + opt + "'");
            }
        }
        String elem = f.elementType();
        if (!PRIMITIVES.contains(elem) && !Character.isUpperCase(elem.charAt(0))) throw error("unknown type '" + f.type + "'");
        if (f.isArray() && elem.equals("records")) throw error("arrays of records are not supported");
        for (Schema.Field other : target.fields) {
            if (other.name.equals(f.name)) throw error("field '" + f.name + "' defined twice in " + target.name);
        }
        target.fields.add(f);
        if (f.isStructType()) {
            // the following deeper-indented lines (if any) define the struct inline
            Schema.Struct s = new Schema.Struct(elem, where());
            f.struct = s;
            stack.add(s);
        } else {
            stack.add(null);
        }
    }

    /** Links fields without inline definitions to common structs and checks the whole file. */
    private void resolve() {
        for (Schema.Struct s : file.commonStructs.values()) resolveStruct(s);
        for (Schema.Api a : file.apis) {
            resolveStruct(a.request.body);
            resolveStruct(a.response.body);
            check(a.request);
            check(a.response);
        }
        for (Schema.TopLevel m : file.messages) {
            resolveStruct(m.body);
            check(m);
        }
    }

    private void resolveStruct(Schema.Struct s) {
        for (Schema.Field f : s.fields) {
            if (f.struct != null && f.struct.fields.isEmpty()) {
                Schema.Struct common = file.commonStructs.get(f.elementType());
                if (common == null) {
                    throw new IllegalArgumentException(f.where + ": struct " + f.elementType() + " has no fields and no 'struct " + f.elementType() + "' block");
                }
                f.struct = common;
            } else if (f.struct != null) {
                resolveStruct(f.struct);
            }
        }
    }

    private void check(Schema.TopLevel top) {
        checkStruct(top, top.body, new java.util.HashMap<>());
    }

    private void checkStruct(Schema.TopLevel top, Schema.Struct s, java.util.Map<String, Schema.Struct> seen) {
        Schema.Struct prev = seen.putIfAbsent(s.name, s);
        if (prev != null && prev != s) throw new IllegalArgumentException(s.where + ": struct name " + s.name + " is used twice in " + top.className);
        if (prev != null) return;
        java.util.Set<Integer> tags = new java.util.HashSet<>();
        for (Schema.Field f : s.fields) {
            if (f.tag != null) {
                if (!tags.add(f.tag)) throw new IllegalArgumentException(f.where + ": tag " + f.tag + " used twice in " + s.name);
                if (!top.flexible.containsAll(f.versions.intersect(top.versions))) {
                    throw new IllegalArgumentException(f.where + ": tagged field " + f.name + " has versions " + f.versions + " outside the flexible versions " + top.flexible);
                }
            }
            if (!f.nullable.isEmpty()) {
                String e = f.elementType();
                boolean ok = f.isArray() || f.isStructType() || e.equals("string") || e.equals("bytes") || e.equals("records");
                if (!ok) throw new IllegalArgumentException(f.where + ": " + f.type + " cannot be nullable");
            }
            if (f.struct != null) checkStruct(top, f.struct, seen);
        }
    }

    private void expect(List<String> t, int n, String form) {
        if (t.size() != n) throw error("expected: " + form);
    }

    private int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw error("not a number: " + s);
        }
    }

    private Versions parse(String s) {
        try {
            return Versions.parse(s);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }
}
