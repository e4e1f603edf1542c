import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Exit;

/**
 * java InOrder <main class> <commands file>: runs a Kafka command-line tool's main once per
 * command, in order, in this one JVM, as a shell script would run them one after another. The file
 * holds one argument per line, commands separated by an empty line. Stops at the first command that
 * exits non-zero, with its code. Kafka's tools end through Exit, whose procedure is Kafka's own hook
 * for running them in-process: here it only records the code. The first exit a command asks for is
 * its code (TopicCommand 4.3.1 exits in execute's finally, then main exits again with 0).
 */
public class InOrder {
  private static Integer exitCode;

  public static void main(String[] args) throws Exception {
    var main = Class.forName(args[0]).getMethod("main", String[].class);
    Exit.setExitProcedure((code, message) -> {
      if (exitCode == null) exitCode = code;
    });
    List<List<String>> commands = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      if (line.isEmpty()) {
        if (!current.isEmpty()) commands.add(current);
        current = new ArrayList<>();
      } else {
        current.add(line);
      }
    }
    if (!current.isEmpty()) commands.add(current);
    for (List<String> command : commands) {
      exitCode = null;
      main.invoke(null, (Object) command.toArray(new String[0]));
      int code = exitCode == null ? 0 : exitCode;
      if (code != 0) {
        System.err.println("exit " + code + ": " + String.join(" ", command));
        System.exit(code);
      }
    }
  }
}
