package io.runnel.protocol.generator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parsed content of .api files. */
final class Schema {
    private Schema() {
    }

    static final class Field {
        String name;
        String type;            // as written: int32, string, []int32, []Topic, Topic
        Versions versions;
        Versions nullable = Versions.NONE;
        String defaultValue;    // as written, or null
        Integer tag;
        Struct struct;          // resolved for struct-typed fields
        String where;           // file:line for messages

        boolean isArray() { return type.startsWith("[]"); }

        String elementType() { return isArray() ? type.substring(2) : type; }

        boolean isStructType() { return Character.isUpperCase(elementType().charAt(0)); }
    }

    static final class Struct {
        final String name;
        final List<Field> fields = new ArrayList<>();
        final String where;

        Struct(String name, String where) {
            this.name = name;
            this.where = where;
        }
    }

    /** One generated top-level class: an API's request or response, or a plain message. */
    static final class TopLevel {
        String className;
        int apiKey = -1;          // -1 for plain messages
        Integer typeId;           // messages only
        Versions versions;
        Versions flexible;
        Struct body;
        String where;
    }

    static final class Api {
        int key;
        String name;
        Versions versions;
        /** The range ApiVersions lists, when it differs from {@link #versions} (null: the same). */
        Versions advertised;
        Versions flexible;
        TopLevel request;
        TopLevel response;
    }

    static final class File {
        final String name;
        final List<Api> apis = new ArrayList<>();
        final List<TopLevel> messages = new ArrayList<>();
        final Map<String, Struct> commonStructs = new LinkedHashMap<>();

        File(String name) {
            this.name = name;
        }
    }
}
