package io.runnel.broker.security;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A compact JWS (RFC 7515) as an OAUTHBEARER client sends it: {@code header.payload.signature}, each part base64url;
 * header and payload JSON objects. Only parsing and claim access; what is checked is the validators' business.
 */
final class OAuthBearerToken {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    final JsonNode header;
    final JsonNode claims;
    /** {@code header.payload} as sent: what the signature covers. */
    final byte[] signingInput;
    final byte[] signature;

    private OAuthBearerToken(JsonNode header, JsonNode claims, byte[] signingInput, byte[] signature) {
        this.header = header;
        this.claims = claims;
        this.signingInput = signingInput;
        this.signature = signature;
    }

    /** A validation failure: the message is shown to the client; {@code scope} is set for insufficient_scope. */
    static final class Rejected extends Exception {
        final String status;
        final String scope;

        Rejected(String message) {
            this(message, "invalid_token", null);
        }

        Rejected(String message, String status, String scope) {
            super(message, null, false, false);
            this.status = status;
            this.scope = scope;
        }
    }

    static OAuthBearerToken parse(String compact) throws Rejected {
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) throw new Rejected("the token is not a JWS in compact form (" + parts.length + " dot-separated parts, not 3)");
        JsonNode header = object(parts[0], "header");
        JsonNode claims = object(parts[1], "payload");
        byte[] signature = decode(parts[2], "signature");
        return new OAuthBearerToken(header, claims, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature);
    }

    private static byte[] decode(String part, String what) throws Rejected {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new Rejected("the token's " + what + " is not base64url: " + e.getMessage());
        }
    }

    private static JsonNode object(String part, String what) throws Rejected {
        byte[] bytes = decode(part, what);
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (Exception e) {
            throw new Rejected("the token's " + what + " is not JSON");
        }
        if (n == null || !n.isObject()) throw new Rejected("the token's " + what + " is not a JSON object");
        return n;
    }

    static JsonNode parseJson(byte[] bytes) throws java.io.IOException {
        return JSON.readTree(bytes);
    }

    String alg() throws Rejected {
        JsonNode a = header.get("alg");
        if (a == null || !a.isTextual()) throw new Rejected("the token's header has no 'alg'");
        return a.asText();
    }

    /** A string claim, or null when absent; a claim of another type is refused. */
    String stringClaim(String name) throws Rejected {
        JsonNode n = claims.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new Rejected("the token's '" + name + "' claim is not a string");
        return n.asText();
    }

    /** A NumericDate claim (seconds since the epoch, maybe fractional) in milliseconds, or null when absent. */
    Long timeClaimMs(String name) throws Rejected {
        JsonNode n = claims.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw new Rejected("the token's '" + name + "' claim is not a number (seconds since the epoch)");
        return (long) (n.asDouble() * 1000);
    }

    /** A claim that is a string of space-separated values or an array of strings (scope, aud); empty when absent. */
    List<String> listClaim(String name) throws Rejected {
        JsonNode n = claims.get(name);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isTextual()) {
            for (String s : n.asText().split(" ")) if (!s.isBlank()) out.add(s.trim());
            return out;
        }
        if (!n.isArray()) throw new Rejected("the token's '" + name + "' claim is neither a string nor a list of strings");
        for (JsonNode e : n) {
            if (!e.isTextual()) throw new Rejected("the token's '" + name + "' claim holds a value that is not a string");
            out.add(e.asText());
        }
        return out;
    }

    /** Checks shared by both validators: the principal, exp required and not past, iat/nbf not in the future. */
    static void checkTimes(OAuthBearerToken t, long nowMs, long skewMs, boolean requireIat, boolean checkNbf) throws Rejected {
        Long exp = t.timeClaimMs("exp");
        if (exp == null) throw new Rejected("the token has no 'exp' (expiration time) claim");
        if (nowMs - skewMs >= exp) throw new Rejected("the token expired at " + java.time.Instant.ofEpochMilli(exp));
        Long iat = t.timeClaimMs("iat");
        if (iat == null && requireIat) throw new Rejected("the token has no 'iat' (issued at) claim");
        if (iat != null && nowMs + skewMs < iat) throw new Rejected("the token's 'iat' (issued at) " + java.time.Instant.ofEpochMilli(iat) + " is in the future");
        Long nbf = checkNbf ? t.timeClaimMs("nbf") : null;
        if (nbf != null && nowMs + skewMs < nbf) throw new Rejected("the token is not valid before " + java.time.Instant.ofEpochMilli(nbf));
    }

    /** What a valid token yields: the principal's name and when the token expires (epoch ms). */
    record Valid(String principal, long expiresAtMs) {
    }

    /** Checks one token; called on a network thread, never blocks. */
    interface Validator {
        Valid validate(String compact) throws Rejected;
    }
}
