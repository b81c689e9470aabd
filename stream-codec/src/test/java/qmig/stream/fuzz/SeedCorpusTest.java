package qmig.stream.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Rewrites the committed seeds: {@code mvn -o -pl stream-codec -am test -Dtest=SeedCorpusTest -Dqmig.fuzz.writeSeeds=src/test/resources -Dsurefire.failIfNoSpecifiedTests=false}. */
class SeedCorpusTest {

    @Test
    @EnabledIfSystemProperty(named = "qmig.fuzz.writeSeeds", matches = ".+")
    void writeSeeds() throws Exception {
        SeedCorpus.main(new String[] {System.getProperty("qmig.fuzz.writeSeeds")});
    }
}
