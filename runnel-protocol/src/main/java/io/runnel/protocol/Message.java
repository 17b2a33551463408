package io.runnel.protocol;

/** A generated message or struct: reads and writes itself for one version. */
public interface Message {
    void read(Readable in, short version);

    void write(Writable out, short version);

    short lowestSupportedVersion();

    short highestSupportedVersion();
}
