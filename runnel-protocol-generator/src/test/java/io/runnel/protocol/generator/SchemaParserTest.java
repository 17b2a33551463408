package io.runnel.protocol.generator;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaParserTest {
    private static Schema.File parse(String text) {
        return SchemaParser.parse("t.api", List.of(text.split("\n")));
    }

    @Test
    void parsesAnApiWithInlineAndCommonStructsAndTaggedFields() {
        Schema.File f = parse("""
                api 7 Sample
                versions 0-5
                flexible 3+   # comment after a line

                request
                  topics []Topic 0+ nullable 2+
                    name string 0+
                    ids []int32 1+
                  leader Leader 3+ tag 0

                response
                  errorCode int16 0+ default -1
                  message string 1+ nullable 1+ default "a # not a comment"

                struct Leader
                  leaderId int32 0+ default -1
                """);
        Schema.Api api = f.apis.get(0);
        assertThat(api.key).isEqualTo(7);
        assertThat(api.versions).isEqualTo(new Versions(0, 5));
        assertThat(api.flexible).isEqualTo(new Versions(3, Versions.OPEN));
        Schema.Field topics = api.request.body.fields.get(0);
        assertThat(topics.isArray()).isTrue();
        assertThat(topics.nullable).isEqualTo(new Versions(2, Versions.OPEN));
        assertThat(topics.struct.fields).extracting(fd -> fd.name).containsExactly("name", "ids");
        Schema.Field leader = api.request.body.fields.get(1);
        assertThat(leader.tag).isZero();
        assertThat(leader.struct).isSameAs(f.commonStructs.get("Leader"));
        assertThat(api.response.body.fields.get(1).defaultValue).isEqualTo("\"a # not a comment\"");
    }

    @Test
    void versionRangesAndConditions() {
        Versions supported = new Versions(0, 9);
        assertThat(Versions.parse("3+").condition("v", supported)).isEqualTo("v >= 3");
        assertThat(Versions.parse("0-4").condition("v", supported)).isEqualTo("v <= 4");
        assertThat(Versions.parse("2-4").condition("v", supported)).isEqualTo("(v >= 2 && v <= 4)");
        assertThat(Versions.parse("5").condition("v", supported)).isEqualTo("v == 5");
        assertThat(Versions.parse("0+").condition("v", supported)).isEqualTo("true");
        assertThat(Versions.parse("none").condition("v", supported)).isEqualTo("false");
        assertThat(Versions.parse("12+").condition("v", supported)).isEqualTo("false");
        assertThatThrownBy(() -> Versions.parse("x")).hasMessageContaining("not a version range");
    }

    @Test
    void errorsNameTheFileAndLine() {
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible none\nrequest\n  f wrongtype 0+\nresponse\n"))
                .hasMessageStartingWith("t.api:5:").hasMessageContaining("unknown type");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible none\nrequest\n   odd int32 0+\nresponse\n"))
                .hasMessageStartingWith("t.api:5:").hasMessageContaining("multiple of 2");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible none\nrequest\n  a int32 0+\n  a int32 0+\nresponse\n"))
                .hasMessageContaining("defined twice");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible none\nrequest\n  a int32 0+ tag 0\nresponse\n"))
                .hasMessageContaining("outside the flexible versions");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible 0+\nrequest\n  a int32 0+ nullable 0+\nresponse\n"))
                .hasMessageContaining("cannot be nullable");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible 0+\nrequest\n  s Missing 0+\nresponse\n"))
                .hasMessageContaining("no 'struct Missing' block");
        assertThatThrownBy(() -> parse("api 1 A\nversions 0-1\nflexible 0+\nrequest\n"))
                .hasMessageContaining("needs a request and a response");
        assertThatThrownBy(() -> parse("bogus\n")).hasMessageContaining("unknown keyword");
    }

    @Test
    void defaultsAreCheckedAgainstTheirType() {
        Schema.File f = parse("api 1 A\nversions 0-1\nflexible none\nrequest\n  a int8 0+ default 300\nresponse\n");
        Schema.Field a = f.apis.get(0).request.body.fields.get(0);
        assertThatThrownBy(() -> MessageEmitter.defaultExpr(a)).hasMessageContaining("bad default 300");
    }

    @Test
    void anAdvertisedRangeMayStartLowerButMustEndWithTheVersions() {
        Schema.Api api = parse("api 0 P\nversions 3-13\nadvertised 0-13\nflexible 9+\nrequest\n  a int16 3+\nresponse\n  b int16 3+\n").apis.get(0);
        assertThat(api.advertised).isEqualTo(new Versions(0, 13));
        assertThat(parse("api 0 P\nversions 3-13\nflexible 9+\nrequest\nresponse\n").apis.get(0).advertised).isNull();
        assertThatThrownBy(() -> parse("api 0 P\nversions 3-13\nadvertised 0-12\nflexible 9+\nrequest\nresponse\n"))
                .hasMessageContaining("must end where the versions end");
        assertThatThrownBy(() -> parse("api 0 P\nversions 3-13\nadvertised 4-13\nflexible 9+\nrequest\nresponse\n"))
                .hasMessageContaining("contain them all");
        assertThatThrownBy(() -> parse("api 0 P\nadvertised 0-13\nversions 3-13\nflexible 9+\nrequest\nresponse\n"))
                .hasMessageContaining("needs 'versions' before 'advertised'");
    }
}
