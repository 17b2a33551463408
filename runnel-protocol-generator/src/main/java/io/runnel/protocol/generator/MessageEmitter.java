package io.runnel.protocol.generator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the Java class for one top-level message: public fields with defaults, read/write for every
 * version, equals/hashCode/toString, and its structs as static nested classes.
 */
final class MessageEmitter {
    static final String PACKAGE = "io.runnel.protocol.message";

    private final Schema.TopLevel top;
    private final JavaWriter w = new JavaWriter();

    MessageEmitter(Schema.TopLevel top) {
        this.top = top;
    }

    String emit(String sourceFile) {
        w.line("package " + PACKAGE + ";");
        w.line("");
        w.line("import io.runnel.common.Uuid;");
        w.line("import io.runnel.protocol.ApiMessage;");
        w.line("import io.runnel.protocol.Codec;");
        w.line("import io.runnel.protocol.Message;");
        w.line("import io.runnel.protocol.Readable;");
        w.line("import io.runnel.protocol.Writable;");
        w.line("import io.runnel.record.Records;");
        w.line("");
        w.line("import java.util.ArrayList;");
        w.line("import java.util.Arrays;");
        w.line("import java.util.List;");
        w.line("import java.util.Objects;");
        w.line("");
        w.line("/** Generated from " + sourceFile + " by runnel-protocol-generator. Do not edit. */");
        w.line("@SuppressWarnings({\"unused\", \"ConstantValue\", \"PointlessBooleanExpression\"})");
        boolean isApi = top.apiKey >= 0;
        w.open("public final class " + top.className + " implements " + (isApi ? "ApiMessage" : "Message"));
        if (isApi) w.line("public static final short API_KEY = " + top.apiKey + ";");
        if (top.typeId != null) w.line("public static final short TYPE_ID = " + top.typeId + ";");
        w.line("public static final short LOWEST_VERSION = " + top.versions.lo() + ";");
        w.line("public static final short HIGHEST_VERSION = " + top.versions.hi() + ";");
        w.line("");
        w.open("public static boolean isFlexible(short version)");
        w.line("return " + (top.flexible.isEmpty() ? "false" : "version >= " + top.flexible.lo()) + ";");
        w.close();
        w.line("");
        if (isApi) {
            w.line("@Override");
            w.line("public short apiKey() { return API_KEY; }");
            w.line("");
        }
        structBody(top.body, top.className);

        Map<String, Schema.Struct> nested = new LinkedHashMap<>();
        collect(top.body, nested);
        nested.remove(top.body.name);
        for (Schema.Struct s : nested.values()) {
            w.line("");
            w.open("public static final class " + s.name + " implements Message");
            structBody(s, s.name);
            w.close();
        }
        w.close();
        return w.toString();
    }

    private static void collect(Schema.Struct s, Map<String, Schema.Struct> out) {
        if (out.putIfAbsent(s.name, s) != null) return;
        for (Schema.Field f : s.fields) {
            if (f.struct != null) collect(f.struct, out);
        }
    }

    private void structBody(Schema.Struct s, String className) {
        for (Schema.Field f : s.fields) {
            w.line("public " + javaType(f) + " " + f.name + " = " + defaultExpr(f) + ";");
        }
        if (!s.fields.isEmpty()) w.line("");
        w.line("public " + className + "() {");
        w.line("}");
        w.line("");
        w.open("public " + className + "(Readable in, short version)");
        w.line("read(in, version);");
        w.close();
        w.line("");
        w.line("@Override");
        w.line("public short lowestSupportedVersion() { return " + top.versions.lo() + "; }");
        w.line("");
        w.line("@Override");
        w.line("public short highestSupportedVersion() { return " + top.versions.hi() + "; }");
        w.line("");
        emitRead(s);
        w.line("");
        emitWrite(s);
        w.line("");
        emitEquals(s, className);
        w.line("");
        emitHashCode(s);
        w.line("");
        emitToString(s, className);
    }

    /** Emits {@code body} for every untagged field, inside a version check where the field is not always present. */
    private void forEachUntagged(Schema.Struct s, java.util.function.Consumer<Schema.Field> body) {
        for (Schema.Field f : s.fields) {
            if (f.tag != null) continue;
            String cond = f.versions.condition("version", top.versions);
            if (cond.equals("false")) continue;
            if (cond.equals("true")) {
                body.accept(f);
            } else {
                w.open("if (" + cond + ")");
                body.accept(f);
                w.close();
            }
        }
    }

    // ---- read

    private void emitRead(Schema.Struct s) {
        w.line("@Override");
        w.open("public void read(Readable in, short version)");
        w.line("boolean flexible = " + top.className + ".isFlexible(version);");
        forEachUntagged(s, f -> readField(f, "in"));
        List<Schema.Field> tagged = tagged(s);
        w.open("if (flexible)");
        w.line("int taggedCount = in.readUnsignedVarint();");
        w.open("for (int t = 0; t < taggedCount; t++)");
        w.line("int tag = in.readUnsignedVarint();");
        w.line("int tagSize = in.readUnsignedVarint();");
        if (tagged.isEmpty()) {
            w.line("in.skip(tagSize);");
        } else {
            w.open("switch (tag)");
            for (Schema.Field f : tagged) {
                String cond = f.versions.condition("version", top.versions);
                w.open("case " + f.tag + " ->");
                w.open("if (" + cond + ")");
                readField(f, "in");
                w.closeOpen("else");
                w.line("in.skip(tagSize);");
                w.close();
                w.close();
            }
            w.line("default -> in.skip(tagSize);");
            w.close();
        }
        w.close();
        w.close();
        w.close();
    }

    private void readField(Schema.Field f, String in) {
        String nullable = f.nullable.condition("version", f.versions.intersect(top.versions));
        if (f.isArray()) {
            String n = "n_" + f.name, list = "list_" + f.name, i = "i_" + f.name;
            String elem = f.elementType();
            w.line("int " + n + " = Codec.readArrayLength(" + in + ", flexible, " + nullable + ", \"" + f.name + "\");");
            w.open("if (" + n + " < 0)");
            w.line("this." + f.name + " = null;");
            w.closeOpen("else");
            w.line(javaType(f) + " " + list + " = new ArrayList<>(" + n + ");");
            w.open("for (int " + i + " = 0; " + i + " < " + n + "; " + i + "++)");
            if (f.isStructType()) {
                w.line(list + ".add(new " + elem + "(" + in + ", version));");
            } else {
                w.line(list + ".add(" + readPrimitive(elem, in, "false", f.name) + ");");
            }
            w.close();
            w.line("this." + f.name + " = " + list + ";");
            w.close();
        } else if (f.isStructType()) {
            if (nullable.equals("false")) {
                w.line("this." + f.name + " = new " + f.elementType() + "(" + in + ", version);");
            } else {
                w.open("if (" + nullable + " && " + in + ".readByte() < 0)");
                w.line("this." + f.name + " = null;");
                w.closeOpen("else");
                w.line("this." + f.name + " = new " + f.elementType() + "(" + in + ", version);");
                w.close();
            }
        } else {
            w.line("this." + f.name + " = " + readPrimitive(f.type, in, nullable, f.name) + ";");
        }
    }

    private static String readPrimitive(String type, String in, String nullable, String name) {
        return switch (type) {
            case "bool" -> in + ".readByte() != 0";
            case "int8" -> in + ".readByte()";
            case "int16" -> in + ".readShort()";
            case "uint16" -> "(" + in + ".readShort() & 0xffff)";
            case "int32" -> in + ".readInt()";
            case "uint32" -> "(" + in + ".readInt() & 0xffffffffL)";
            case "int64" -> in + ".readLong()";
            case "float64" -> in + ".readDouble()";
            case "uuid" -> in + ".readUuid()";
            case "string" -> "Codec.readString(" + in + ", flexible, " + nullable + ", \"" + name + "\")";
            case "bytes" -> "Codec.readBytes(" + in + ", flexible, " + nullable + ", \"" + name + "\")";
            case "records" -> "Codec.readRecords(" + in + ", flexible, " + nullable + ", \"" + name + "\")";
            default -> throw new IllegalStateException(type);
        };
    }

    // ---- write

    private void emitWrite(Schema.Struct s) {
        w.line("@Override");
        w.open("public void write(Writable out, short version)");
        w.line("boolean flexible = " + top.className + ".isFlexible(version);");
        forEachUntagged(s, f -> writeField(f, "out"));
        List<Schema.Field> tagged = tagged(s);
        w.open("if (flexible)");
        if (tagged.isEmpty()) {
            w.line("out.writeUnsignedVarint(0);");
        } else {
            w.line("int taggedCount = 0;");
            for (Schema.Field f : tagged) {
                w.line("boolean write_" + f.name + " = " + f.versions.condition("version", top.versions) + " && " + nonDefault(f) + ";");
                w.line("if (write_" + f.name + ") taggedCount++;");
            }
            w.line("out.writeUnsignedVarint(taggedCount);");
            for (Schema.Field f : tagged) {
                w.open("if (write_" + f.name + ")");
                w.open("Codec.writeTagged(out, " + f.tag + ", w ->");
                writeField(f, "w");
                w.closeWith("});");
                w.close();
            }
        }
        w.close();
        w.close();
    }

    private void writeField(Schema.Field f, String out) {
        String nullable = f.nullable.condition("version", f.versions.intersect(top.versions));
        String v = "this." + f.name;
        if (f.isArray()) {
            w.open("if (" + v + " == null)");
            w.line("Codec.checkNotNull(null, " + nullable + ", \"" + f.name + "\", version);");
            w.line("Codec.writeArrayLength(" + out + ", -1, flexible);");
            w.closeOpen("else");
            w.line("Codec.writeArrayLength(" + out + ", " + v + ".size(), flexible);");
            String e = "e_" + f.name;
            w.open("for (" + elementJavaType(f) + " " + e + " : " + v + ")");
            if (f.isStructType()) {
                w.line(e + ".write(" + out + ", version);");
            } else {
                w.line(writePrimitive(f.elementType(), e, out, "false", f.name));
            }
            w.close();
            w.close();
        } else if (f.isStructType()) {
            if (nullable.equals("false")) {
                w.line("Codec.checkNotNull(" + v + ", false, \"" + f.name + "\", version);");
                w.line(v + ".write(" + out + ", version);");
            } else {
                w.open("if (" + nullable + ")");
                w.open("if (" + v + " == null)");
                w.line(out + ".writeByte((byte) -1);");
                w.closeOpen("else");
                w.line(out + ".writeByte((byte) 1);");
                w.line(v + ".write(" + out + ", version);");
                w.close();
                w.closeOpen("else");
                w.line("Codec.checkNotNull(" + v + ", false, \"" + f.name + "\", version);");
                w.line(v + ".write(" + out + ", version);");
                w.close();
            }
        } else {
            w.line(writePrimitive(f.type, v, out, nullable, f.name));
        }
    }

    private static String writePrimitive(String type, String v, String out, String nullable, String name) {
        return switch (type) {
            case "bool" -> out + ".writeByte(" + v + " ? (byte) 1 : (byte) 0);";
            case "int8" -> out + ".writeByte(" + v + ");";
            case "int16" -> out + ".writeShort(" + v + ");";
            case "uint16" -> out + ".writeShort((short) (int) " + v + ");";
            case "int32" -> out + ".writeInt(" + v + ");";
            case "uint32" -> out + ".writeInt((int) (long) " + v + ");";
            case "int64" -> out + ".writeLong(" + v + ");";
            case "float64" -> out + ".writeDouble(" + v + ");";
            case "uuid" -> out + ".writeUuid(" + v + ");";
            case "string" -> "Codec.writeString(" + out + ", " + v + ", flexible, " + nullable + ", \"" + name + "\", version);";
            case "bytes" -> "Codec.writeBytes(" + out + ", " + v + ", flexible, " + nullable + ", \"" + name + "\", version);";
            case "records" -> "Codec.writeRecords(" + out + ", " + v + ", flexible, " + nullable + ", \"" + name + "\", version);";
            default -> throw new IllegalStateException(type);
        };
    }

    /** A Java expression that is true when a tagged field must be written. */
    private String nonDefault(Schema.Field f) {
        String v = "this." + f.name;
        String def = defaultExpr(f);
        if (f.isArray()) {
            return def.equals("null") ? v + " != null" : "(" + v + " == null || !" + v + ".isEmpty())";
        }
        if (f.isStructType()) {
            return def.equals("null") ? v + " != null" : "!Objects.equals(" + v + ", new " + f.elementType() + "())";
        }
        return switch (f.type) {
            case "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64" -> v + " != " + def;
            case "bytes" -> def.equals("null") ? v + " != null" : "(" + v + " == null || " + v + ".length != 0)";
            case "records" -> v + " != null";
            default -> "!Objects.equals(" + v + ", " + def + ")";
        };
    }

    // ---- equals, hashCode, toString

    private void emitEquals(Schema.Struct s, String className) {
        w.line("@Override");
        w.open("public boolean equals(Object o)");
        w.line("if (this == o) return true;");
        w.line("if (!(o instanceof " + className + " other)) return false;");
        for (Schema.Field f : s.fields) {
            String a = "this." + f.name, b = "other." + f.name;
            String test = switch (f.isArray() || f.isStructType() ? "object" : f.type) {
                case "bool", "int8", "int16", "uint16", "int32", "uint32", "int64" -> a + " != " + b;
                case "float64" -> "Double.compare(" + a + ", " + b + ") != 0";
                case "bytes" -> "!Arrays.equals(" + a + ", " + b + ")";
                default -> "!Objects.equals(" + a + ", " + b + ")";
            };
            w.line("if (" + test + ") return false;");
        }
        w.line("return true;");
        w.close();
    }

    private void emitHashCode(Schema.Struct s) {
        w.line("@Override");
        w.open("public int hashCode()");
        w.line("int h = 0;");
        for (Schema.Field f : s.fields) {
            String v = "this." + f.name;
            String hash = switch (f.isArray() || f.isStructType() ? "object" : f.type) {
                case "bool" -> "Boolean.hashCode(" + v + ")";
                case "int8", "int16", "uint16", "int32" -> v;
                case "uint32", "int64" -> "Long.hashCode(" + v + ")";
                case "float64" -> "Double.hashCode(" + v + ")";
                case "bytes" -> "Arrays.hashCode(" + v + ")";
                default -> "Objects.hashCode(" + v + ")";
            };
            w.line("h = 31 * h + " + hash + ";");
        }
        w.line("return h;");
        w.close();
    }

    private void emitToString(Schema.Struct s, String className) {
        w.line("@Override");
        w.open("public String toString()");
        List<String> parts = new ArrayList<>();
        for (Schema.Field f : s.fields) {
            String v = f.type.equals("bytes") ? "Codec.toString(" + f.name + ")" : f.name;
            parts.add("\"" + f.name + "=\" + " + v);
        }
        w.line("return \"" + className + "(\"" + (parts.isEmpty() ? "" : " + " + String.join(" + \", \" + ", parts)) + " + \")\";");
        w.close();
    }

    // ---- types

    private static List<Schema.Field> tagged(Schema.Struct s) {
        List<Schema.Field> out = new ArrayList<>();
        for (Schema.Field f : s.fields) if (f.tag != null) out.add(f);
        out.sort((a, b) -> Integer.compare(a.tag, b.tag));
        return out;
    }

    static String javaType(Schema.Field f) {
        if (f.isArray()) return "List<" + elementJavaType(f) + ">";
        if (f.isStructType()) return f.elementType();
        return primitiveJava(f.type);
    }

    private static String elementJavaType(Schema.Field f) {
        if (f.isStructType()) return f.elementType();
        return switch (f.elementType()) {
            case "bool" -> "Boolean";
            case "int8" -> "Byte";
            case "int16" -> "Short";
            case "uint16", "int32" -> "Integer";
            case "uint32", "int64" -> "Long";
            case "float64" -> "Double";
            default -> primitiveJava(f.elementType());
        };
    }

    private static String primitiveJava(String type) {
        return switch (type) {
            case "bool" -> "boolean";
            case "int8" -> "byte";
            case "int16" -> "short";
            case "uint16", "int32" -> "int";
            case "uint32", "int64" -> "long";
            case "float64" -> "double";
            case "uuid" -> "Uuid";
            case "string" -> "String";
            case "bytes" -> "byte[]";
            case "records" -> "Records";
            default -> throw new IllegalStateException("unknown type " + type);
        };
    }

    static String defaultExpr(Schema.Field f) {
        String d = f.defaultValue;
        if (d != null && d.equals("null")) {
            if (f.isArray() || f.isStructType() || f.type.equals("string") || f.type.equals("bytes") || f.type.equals("records")) return "null";
            throw new IllegalArgumentException(f.where + ": " + f.type + " cannot default to null");
        }
        if (f.isArray()) {
            if (d != null) throw new IllegalArgumentException(f.where + ": arrays take no default but null");
            return "new ArrayList<>()";
        }
        if (f.isStructType()) {
            if (d != null) throw new IllegalArgumentException(f.where + ": structs take no default but null");
            return "new " + f.elementType() + "()";
        }
        try {
            return switch (f.type) {
                case "bool" -> {
                    if (d == null) yield "false";
                    if (!d.equals("true") && !d.equals("false")) throw new IllegalArgumentException("bool default must be true or false");
                    yield d;
                }
                case "int8" -> "(byte) " + (d == null ? "0" : Byte.parseByte(d));
                case "int16" -> "(short) " + (d == null ? "0" : Short.parseShort(d));
                case "uint16" -> d == null ? "0" : String.valueOf(checkRange(Integer.parseInt(d), 0, 65535));
                case "int32" -> d == null ? "0" : String.valueOf(Integer.parseInt(d));
                case "uint32" -> (d == null ? "0" : String.valueOf(checkRange(Long.parseLong(d), 0, 0xffffffffL))) + "L";
                case "int64" -> (d == null ? "0" : String.valueOf(Long.parseLong(d))) + "L";
                case "float64" -> d == null ? "0.0" : String.valueOf(Double.parseDouble(d));
                case "uuid" -> {
                    if (d != null) throw new IllegalArgumentException("uuid fields take no default");
                    yield "Uuid.ZERO";
                }
                case "string" -> {
                    if (d == null) yield "\"\"";
                    if (!d.startsWith("\"")) throw new IllegalArgumentException("string default must be in double quotes");
                    yield d;
                }
                case "bytes" -> {
                    if (d != null) throw new IllegalArgumentException("bytes take no default but null");
                    yield "new byte[0]";
                }
                case "records" -> {
                    if (d != null) throw new IllegalArgumentException("records take no default but null");
                    yield "null";
                }
                default -> throw new IllegalStateException(f.type);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(f.where + ": bad default " + d + " for " + f.type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f.where + ": " + e.getMessage());
        }
    }

    private static long checkRange(long v, long lo, long hi) {
        if (v < lo || v > hi) throw new IllegalArgumentException("default " + v + " out of range");
        return v;
    }
}
