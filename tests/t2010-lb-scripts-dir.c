/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2010 — where scripts come from: SCRIPTOKI_SCRIPTS, else "scripts = PATH" in the
 * configuration file (SCRIPTOKI_CONF), else the built-in folder.
 */
#include "lb/lb_test.h"

int main(void)
{
	char conf[300], other[300];
	const char *builtin;

	make_tmp_dir();
	snprintf(conf, sizeof conf, "%s/scriptoki.conf", tmp_dir);
	snprintf(other, sizeof other, "%s/other.conf", tmp_dir);
	put_str("scriptoki.conf", "# SPDX-License-Identifier: BSD-2-Clause\n"
				  "# a comment: scripts = /not/this\n"
				  "\n"
				  "debug = 3\n"
				  "  scripts   =   /opt/my scripts/here  \n"
				  "scripts = /not/the/second\n");
	put_str("other.conf", "# SPDX-License-Identifier: BSD-2-Clause\nscripts=\nfoo = bar\n");

	unsetenv("SCRIPTOKI_SCRIPTS");
	setenv("SCRIPTOKI_CONF", "/nonexistent/scriptoki.conf", 1);
	builtin = lb_scripts_dir();
	ok(builtin != NULL && builtin[0] == '/', "without environment or file: the built-in "
	   "folder, an absolute path (%s)", builtin ? builtin : "(null)");
#ifdef SK_SCRIPTS_DIR
	is_str(builtin, SK_SCRIPTS_DIR, "... the one the build names");
#endif
	setenv("SCRIPTOKI_CONF", conf, 1);
	is_str(lb_scripts_dir(), "/opt/my scripts/here",
	       "the configuration file's scripts line, trimmed, the first one");
	setenv("SCRIPTOKI_SCRIPTS", "/from/the/environment", 1);
	is_str(lb_scripts_dir(), "/from/the/environment", "SCRIPTOKI_SCRIPTS comes first");
	setenv("SCRIPTOKI_SCRIPTS", "", 1);
	is_str(lb_scripts_dir(), "/opt/my scripts/here", "an empty SCRIPTOKI_SCRIPTS is ignored");
	setenv("SCRIPTOKI_CONF", other, 1);
	is_str(lb_scripts_dir(), builtin, "an empty scripts line is ignored");
	unsetenv("SCRIPTOKI_SCRIPTS");
	unsetenv("SCRIPTOKI_CONF");
	ok(lb_scripts_dir() != NULL, "the default configuration file path does not crash");
	rm_tmp_dir();
	return done_testing();
}
