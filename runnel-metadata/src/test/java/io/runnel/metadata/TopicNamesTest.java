package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicNamesTest {

    @Property
    void legalNamesAreAccepted(@ForAll @StringLength(min = 1, max = 249) @CharRange(from = 'a', to = 'z')
                               @CharRange(from = 'A', to = 'Z') @NumericChars @Chars({'.', '_', '-'}) String name) {
        if (name.equals(".") || name.equals("..")) {
            assertThatThrownBy(() -> TopicNames.validate(name)).isInstanceOf(ApiException.class);
        } else {
            TopicNames.validate(name);
        }
    }

    @Property
    void anyOtherCharacterIsRejected(@ForAll @StringLength(min = 1, max = 20) @CharRange(from = 'a', to = 'z') String prefix,
                                     @ForAll char c) {
        boolean legal = Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-';
        String name = prefix + c;
        if (legal) {
            TopicNames.validate(name);
        } else {
            assertThatThrownBy(() -> TopicNames.validate(name)).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION));
        }
    }

    @Property
    void namesCollideExactlyWhenEqualAfterUnifyingDotsAndUnderscores(
            @ForAll @StringLength(min = 1, max = 6) @Chars({'a', '.', '_'}) String a,
            @ForAll @StringLength(min = 1, max = 6) @Chars({'a', '.', '_'}) String b) {
        boolean collides;
        try {
            TopicNames.checkCollision(a, List.of(b));
            collides = false;
        } catch (ApiException e) {
            collides = true;
            assertThat(e.getMessage()).isEqualTo("Topic '" + a + "' collides with existing topic: " + b);
        }
        assertThat(collides).isEqualTo(!a.equals(b) && a.replace('.', '_').equals(b.replace('.', '_')));
    }

    @Test
    void internalTopics() {
        assertThat(TopicNames.isInternal("__consumer_offsets")).isTrue();
        assertThat(TopicNames.isInternal("orders")).isFalse();
    }
}
