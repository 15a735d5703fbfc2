/* SPDX-License-Identifier: MIT */
/* enactl: the command-line client of enad's control API (all of it is in
 * libenactl.a, which the tests link; this only binds it to stdio). */
#include <stdio.h>

#include "enactl.h"

int main(int argc, char **argv)
{
	return enactl_main(argc, argv, stdout, stderr);
}
