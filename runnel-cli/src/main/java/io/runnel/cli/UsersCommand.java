package io.runnel.cli;

import io.runnel.common.Errors;
import io.runnel.common.security.ScramFunctions;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterUserScramCredentialsRequest;
import io.runnel.protocol.message.AlterUserScramCredentialsResponse;
import io.runnel.protocol.message.DescribeUserScramCredentialsRequest;
import io.runnel.protocol.message.DescribeUserScramCredentialsResponse;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code runnel users}: SCRAM credentials, like {@code kafka-configs.sh --entity-type users} with
 * {@code SCRAM-SHA-256=[iterations=...,password=...]}: describe them (DescribeUserScramCredentials: mechanism and
 * iterations, never secrets), add or replace one (AlterUserScramCredentials upsertion: this client picks a random
 * salt and sends the salted password, as Kafka's Admin does) and delete one.
 */
@Command(name = "users", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Describes, adds and deletes SCRAM credentials of users. Like kafka-configs.sh --entity-type users.",
                "Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."})
final class UsersCommand implements Callable<Integer> {
    static final int DEFAULT_ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Action (one of):%n")
    Action action;

    static final class Action {
        @Option(names = "--describe", required = true, description = "The SCRAM credentials (mechanism, iterations) of the users given, else of all.")
        boolean describe;
        @Option(names = "--add", required = true, paramLabel = "USER", description = "Add or replace USER's credential for --mechanism.")
        String add;
        @Option(names = "--delete", required = true, paramLabel = "USER", description = "Delete USER's credential for --mechanism.")
        String delete;
    }

    @Option(names = "--user", paramLabel = "USER", description = "With --describe: a user; repeatable.")
    List<String> users = new ArrayList<>();
    @Option(names = "--mechanism", paramLabel = "MECHANISM", description = "SCRAM-SHA-256 or SCRAM-SHA-512 (--add, --delete).")
    String mechanism;
    @Option(names = "--password", paramLabel = "PASSWORD", description = "The password (--add).")
    String password;
    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + DEFAULT_ITERATIONS,
            description = "SCRAM iterations (--add; default ${DEFAULT-VALUE}; Kafka accepts 4096 to 16384).")
    int iterations;

    /** The protocol's mechanism code: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512. */
    static byte mechanismCode(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "SCRAM-SHA-256" -> 1;
            case "SCRAM-SHA-512" -> 2;
            default -> 0;
        };
    }

    static String mechanismName(byte code) {
        return switch (code) {
            case 1 -> "SCRAM-SHA-256";
            case 2 -> "SCRAM-SHA-512";
            default -> "UNKNOWN(" + code + ")";
        };
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        if (!action.describe && !users.isEmpty()) throw usage("--user is only valid with --describe");
        if (action.describe && (mechanism != null || password != null)) throw usage("--describe takes --user only");
        byte code = 0;
        if (!action.describe) {
            if (mechanism == null) throw usage("--" + (action.add != null ? "add" : "delete") + " needs --mechanism SCRAM-SHA-256|SCRAM-SHA-512");
            code = mechanismCode(mechanism);
            if (code == 0) throw usage("--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, not " + mechanism);
            String user = action.add != null ? action.add : action.delete;
            if (user.isEmpty()) throw usage("The user name cannot be empty");
        }
        if (action.add != null && password == null) throw usage("--add needs --password");
        if (action.add == null && password != null) throw usage("--password is only valid with --add");
        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            PrintWriter out = spec.commandLine().getOut();
            if (action.describe) return describe(admin, out);
            AlterUserScramCredentialsRequest req = new AlterUserScramCredentialsRequest();
            String user;
            if (action.add != null) {
                user = action.add;
                AlterUserScramCredentialsRequest.Upsertion u = new AlterUserScramCredentialsRequest.Upsertion();
                u.name = user;
                u.mechanism = code;
                u.iterations = iterations;
                u.salt = new byte[32];
                RANDOM.nextBytes(u.salt);
                // the broker refuses iterations outside Kafka's range with UNACCEPTABLE_CREDENTIAL; Hi needs at least 1
                u.saltedPassword = ScramFunctions.forMechanism(mechanismName(code)).saltedPassword(password, u.salt, Math.max(1, iterations));
                req.upsertions.add(u);
            } else {
                user = action.delete;
                AlterUserScramCredentialsRequest.Deletion d = new AlterUserScramCredentialsRequest.Deletion();
                d.name = user;
                d.mechanism = code;
                req.deletions.add(d);
            }
            AlterUserScramCredentialsResponse resp = admin.client().send(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, req);
            for (AlterUserScramCredentialsResponse.Result r : resp.results) {
                Errors e = Errors.forCode(r.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, r.errorMessage);
            }
            out.println("Completed " + (action.add != null ? "updating" : "deleting") + " the " + mechanismName(code)
                    + " credential of user '" + user + "'" + (action.add != null ? " (" + iterations + " iterations)." : "."));
            return CliMain.OK;
        }
    }

    private int describe(ClusterAdmin admin, PrintWriter out) {
        DescribeUserScramCredentialsRequest req = new DescribeUserScramCredentialsRequest();
        if (users.isEmpty()) {
            req.users = null; // every user
        } else {
            for (String u : users) {
                DescribeUserScramCredentialsRequest.User x = new DescribeUserScramCredentialsRequest.User();
                x.name = u;
                req.users.add(x);
            }
        }
        DescribeUserScramCredentialsResponse resp = admin.client().send(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, req);
        Errors top = Errors.forCode(resp.errorCode);
        if (top != Errors.NONE) throw CliException.of(top, resp.errorMessage);
        CliException failure = null;
        List<DescribeUserScramCredentialsResponse.Result> results = new ArrayList<>(resp.results);
        results.sort((a, b) -> a.user.compareTo(b.user));
        for (DescribeUserScramCredentialsResponse.Result r : results) {
            Errors e = Errors.forCode(r.errorCode);
            if (e != Errors.NONE) {
                if (failure == null) failure = CliException.of(e, r.errorMessage == null || r.errorMessage.isBlank()
                        ? e.message() + " (user '" + r.user + "')" : r.errorMessage);
                continue;
            }
            List<String> parts = new ArrayList<>();
            for (DescribeUserScramCredentialsResponse.CredentialInfo c : r.credentialInfos) {
                parts.add(mechanismName(c.mechanism) + "=iterations=" + c.iterations);
            }
            out.println("SCRAM credential configs for user-principal '" + r.user + "' are " + String.join(", ", parts));
        }
        if (failure != null) throw failure;
        return CliMain.OK;
    }
}
