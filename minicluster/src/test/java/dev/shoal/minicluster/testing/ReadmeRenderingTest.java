package dev.shoal.minicluster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.node.SourceSpan;
import org.commonmark.parser.IncludeSourceSpans;
import org.commonmark.parser.Parser;
import org.junit.jupiter.api.Test;

/**
 * README.md renders as written: parsed with a CommonMark parser, every fenced code block closes, no
 * code block swallows another one's fence, and every line that starts like a section heading
 * ({@code ## }, {@code ### }) is one, not text inside a code block.
 */
final class ReadmeRenderingTest {

  private static final Path README = Path.of("..", "README.md");

  @Test
  void shouldCloseEveryFencedCodeBlockOfTheReadme() throws Exception {
    // given
    String readme = Files.readString(README);

    // when
    List<String> problems = fenceProblems(readme);

    // then
    assertThat(problems).isEmpty();
  }

  @Test
  void shouldRenderEveryHeadingLineOfTheReadmeAsAHeading() throws Exception {
    // given
    String readme = Files.readString(README);

    // when
    List<String> problems = headingProblems(readme);

    // then
    assertThat(problems).isEmpty();
  }

  @Test
  void shouldFindAStrayFenceThatTurnsSectionsIntoCode() {
    // given a snippet closed once and then opened again by a stray fence, as the README once had
    String markdown =
        String.join(
            "\n",
            "# Title",
            "",
            "```java",
            "int x = 1;",
            "```",
            "```",
            "",
            "## Next section",
            "",
            "```sh",
            "echo hi",
            "```",
            "",
            "## Last section",
            "");

    // when
    List<String> fences = fenceProblems(markdown);
    List<String> headings = headingProblems(markdown);

    // then
    assertThat(fences).anySatisfy(p -> assertThat(p).contains("line 6").contains("```sh"));
    assertThat(headings).singleElement().asString().contains("line 8: ## Next section");
  }

  @Test
  void shouldFindACodeBlockLeftOpen() {
    // given
    String markdown = String.join("\n", "## Section", "", "```sh", "echo hi", "", "## After", "");

    // when
    List<String> fences = fenceProblems(markdown);
    List<String> headings = headingProblems(markdown);

    // then
    assertThat(fences).singleElement().asString().contains("line 3").contains("never closed");
    assertThat(headings).singleElement().asString().contains("line 6: ## After");
  }

  @Test
  void shouldAcceptWellFormedMarkdown() {
    // given
    String markdown =
        String.join(
            "\n", "# Title", "", "## One", "", "```java", "## not a heading in Java", "```", "");

    // when a heading-like line sits inside a closed block of its own, it is code, and fine
    List<String> fences = fenceProblems(markdown);
    List<String> headings = headingProblems(markdown);

    // then
    assertThat(fences).isEmpty();
    assertThat(headings).isEmpty();
  }

  // ------------------------------------------------------------------------------------------

  private static Node parse(String markdown) {
    return Parser.builder().includeSourceSpans(IncludeSourceSpans.BLOCKS).build().parse(markdown);
  }

  /** Fenced code blocks left open, and blocks whose content holds a line that starts a fence. */
  private static List<String> fenceProblems(String markdown) {
    List<String> problems = new ArrayList<>();
    parse(markdown)
        .accept(
            new AbstractVisitor() {
              @Override
              public void visit(FencedCodeBlock block) {
                int line = firstLine(block);
                if (block.getClosingFenceLength() == null) {
                  problems.add("the code block at line " + line + " is never closed");
                }
                String[] content = block.getLiteral().split("\n", -1);
                for (int i = 0; i < content.length; i++) {
                  String text = content[i].strip();
                  if (text.startsWith("```") || text.startsWith("~~~")) {
                    problems.add(
                        "the code block at line "
                            + line
                            + " holds the fence "
                            + text
                            + " at line "
                            + (line + 1 + i));
                  }
                }
              }
            });
    return problems;
  }

  /** Lines starting with {@code ## } or {@code ### } that the parser did not take as headings. */
  private static List<String> headingProblems(String markdown) {
    Set<Integer> headingLines = new HashSet<>();
    Set<Integer> closedBlockLines = new HashSet<>();
    parse(markdown)
        .accept(
            new AbstractVisitor() {
              @Override
              public void visit(Heading heading) {
                headingLines.add(firstLine(heading));
              }

              @Override
              public void visit(FencedCodeBlock block) {
                // a block that closes and holds no other fence is one the author meant
                if (block.getClosingFenceLength() != null && !block.getLiteral().contains("```")) {
                  List<SourceSpan> spans = block.getSourceSpans();
                  for (SourceSpan span : spans) {
                    closedBlockLines.add(span.getLineIndex() + 1);
                  }
                }
              }
            });
    List<String> problems = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int line = i + 1;
      if ((lines[i].startsWith("## ") || lines[i].startsWith("### "))
          && !headingLines.contains(line)
          && !closedBlockLines.contains(line)) {
        problems.add("line " + line + ": " + lines[i] + " does not render as a heading");
      }
    }
    return problems;
  }

  private static int firstLine(Node node) {
    return node.getSourceSpans().get(0).getLineIndex() + 1;
  }
}
