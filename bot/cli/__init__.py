"""The command-line tools (`python -m bot COMMAND`): argument parsing, reading input lines,
printing reports. They call the domain modules of `bot/` and, for the model, bot.rasa_plugins."""
